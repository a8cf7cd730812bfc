"""A school's webhook receiver for tests: records signed deliveries and answers as told."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.support.live_server import LiveServer


@dataclass(frozen=True)
class Delivery:
    """One request as received: headers and the exact body bytes (what signatures cover)."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class WebhookReceiver:
    """POST /hooks records; GET /hooks/tickets/{ref} answers for refs it has created."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.deliveries: list[Delivery] = []
        self.status = 200  # what POST answers, to simulate failures
        self.lookup = True  # whether GET /tickets/{ref} exists at all
        self.echo_ids = True  # whether ticket.opened is answered with the local id and ref
        self.created: dict[str, dict[str, str]] = {}
        self.app = Starlette(routes=[
            Route("/hooks", self.receive, methods=["POST"]),
            Route("/hooks/tickets/{ref}", self.lookup_ticket, methods=["GET"]),
        ])
        self.server = LiveServer(self.app)
        self.url = f"{self.server.url}/hooks"

    def start(self) -> None:
        self.server.start()

    def stop(self) -> None:
        self.server.stop()

    def reset(self) -> None:
        with self.lock:
            self.deliveries.clear()
            self.status, self.lookup, self.echo_ids = 200, True, True

    async def receive(self, request: Request) -> Response:
        body = await request.body()
        with self.lock:
            self.deliveries.append(Delivery("POST", request.url.path, dict(request.headers), body))
            if self.status >= 300:
                return JSONResponse({"error": "receiver says no"}, status_code=self.status)
            event = json.loads(body)
            if event["type"] != "ticket.opened":
                return Response(status_code=204)
            if not self.echo_ids:
                return Response(status_code=202)
            ref = event["data"]["group_ref"]
            # Idempotent like a real receiver: the same ticket keeps its local id.
            local = self.created.setdefault(ref, {"id": str(700 + len(self.created)),
                                                  "ref": f"SD-{700 + len(self.created)}"})
            return JSONResponse(local, status_code=201)

    async def lookup_ticket(self, request: Request) -> Response:
        with self.lock:
            self.deliveries.append(Delivery("GET", request.url.path, dict(request.headers), b""))
            if not self.lookup:
                return Response(status_code=405)
            local = self.created.get(request.path_params["ref"])
        return JSONResponse(local) if local else JSONResponse({"error": "unknown"}, status_code=404)
