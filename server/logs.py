"""Structured logs: one JSON object per line, one line per request with its request id."""

from __future__ import annotations

import json
import logging
import sys
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

access = logging.getLogger("groupdesk.access")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # uvicorn's own access log would duplicate ours.
    logging.getLogger("uvicorn.access").disabled = True


class RequestLog:
    """ASGI middleware: gives each request an id (or keeps the caller's) and logs it once."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        given = headers.get(b"x-request-id", b"").decode("latin-1")[:64]
        request_id = given or uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        status = 500
        # A WebSocket's outcome: 101 once accepted, 403 if closed before, and how it ended.
        ws_close: int | None = None
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status, ws_close
            if message["type"] in ("http.response.start", "websocket.http.response.start"):
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            elif message["type"] == "websocket.accept":
                status = 101
            elif message["type"] == "websocket.close":
                status = 101 if status == 101 else 403
                ws_close = message.get("code", 1000) if ws_close is None else ws_close
            await send(message)

        async def receive_closing() -> Message:
            nonlocal ws_close
            message = await receive()
            if message["type"] == "websocket.disconnect" and ws_close is None:
                ws_close = message.get("code", 1005)
            return message

        websocket = scope["type"] == "websocket"
        try:
            await self.app(scope, receive_closing if websocket else receive, send_with_id)
        finally:
            fields = {"request_id": request_id, "method": scope.get("method", "WS"),
                      "path": scope.get("path"), "status": status,
                      "ms": round((time.perf_counter() - started) * 1000, 1)}
            if websocket and ws_close is not None:
                fields["close_code"] = ws_close
            access.info("request", extra={"fields": fields})
