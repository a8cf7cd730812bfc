"""A limit on request bodies, enforced while they arrive: 413 with a JSON error, before any parsing.

A declared Content-Length over the limit is refused before a byte of the body is read; a body that
declares nothing (chunked) or lies is counted as it is received, and refused as soon as it crosses
the limit, so the server never holds more than the limit of one request in memory.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class _BodyTooLarge(Exception):
    pass


def _refusal(limit: int) -> tuple[dict[str, Any], bytes]:
    body = json.dumps({"errors": [{
        "message": f"the request body is larger than {limit} bytes",
        "extensions": {"code": "PAYLOAD_TOO_LARGE", "maxBytes": limit}}]}).encode()
    start = {"type": "http.response.start", "status": 413,
             "headers": [(b"content-type", b"application/json"),
                         (b"content-length", str(len(body)).encode()),
                         (b"connection", b"close")]}
    return start, body


class BodySizeLimit:
    """Plain ASGI middleware: HTTP requests only (WebSocket frames are bounded by the server)."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = next((value for name, value in scope.get("headers", ()) if name == b"content-length"), None)
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _BodyTooLarge
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except _BodyTooLarge:
            if started:  # the app answered before reading it all: nothing more can be said
                raise
            await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        start, body = _refusal(self.max_bytes)
        await send(start)
        await send({"type": "http.response.body", "body": body})
