"""A minimal school webhook receiver on loopback: counts what arrives, answers like a desk."""

from __future__ import annotations

import threading
import time
from collections import Counter

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


class CountingReceiver:
    """POST /hooks records each webhook-id once (and counts repeats); opened tickets get an id."""

    def __init__(self, port: int) -> None:
        self.lock = threading.Lock()
        self.seen: dict[str, float] = {}
        self.repeats: Counter[str] = Counter()
        self.url = f"http://127.0.0.1:{port}/hooks"
        app = Starlette(routes=[Route("/hooks", self.receive, methods=["POST"]),
                                Route("/hooks/tickets/{ref}", self.lookup, methods=["GET"])])
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                lifespan="off", access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> None:
        self.thread.start()
        while not self.server.started:
            time.sleep(0.01)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=5)

    async def receive(self, request: Request) -> Response:
        event_id = request.headers.get("webhook-id", "")
        body = await request.json()
        with self.lock:
            if event_id in self.seen:
                self.repeats[event_id] += 1
            else:
                self.seen[event_id] = time.time()
        if body.get("type") == "ticket.opened":
            ref = body["data"]["group_ref"]
            return JSONResponse({"id": ref, "ref": "LOCAL-" + ref}, status_code=201)
        return Response(status_code=204)

    async def lookup(self, request: Request) -> Response:
        return Response(status_code=404)  # the bench never re-creates: a lookup finds nothing

    def count(self) -> int:
        with self.lock:
            return len(self.seen)
