"""A fake iTop that creates the ticket, then takes its time answering: a worker can die meanwhile."""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import Response

from tests.support.fake_itop import FakeItop


class SlowItop(FakeItop):
    """`create_delay` seconds pass between iTop creating a UserRequest and the answer leaving."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.create_delay = 0.0

    async def endpoint(self, request: Request) -> Response:
        body = (await request.body()).decode()  # cached: the parent reads it again
        json_data = parse_qs(body).get("json_data", [""])[0]
        response = await super().endpoint(request)
        if '"core/create"' in json_data:
            waited = 0.0
            # Checked in small steps so that a test can release a pending answer at once.
            while waited < self.create_delay:
                await asyncio.sleep(0.05)
                waited += 0.05
        return response

    def creates(self) -> int:
        """How many core/create calls reached iTop."""
        with self.lock:
            return sum(1 for c in self.calls if c.get("operation") == "core/create")
