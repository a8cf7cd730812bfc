"""The access line of a WebSocket says how it went: accepted (101) and its close code, or refused."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from starlette.types import Message, Receive, Scope, Send

from server.logs import RequestLog


async def _session(app: Any, incoming: list[Message]) -> list[Message]:
    """Run one WebSocket connection through the middleware with the client's messages given."""
    sent: list[Message] = []
    pending = list(incoming)

    async def receive() -> Message:
        return pending.pop(0)

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "websocket", "path": "/graphql", "headers": [], "subprotocols": []}
    await RequestLog(app)(scope, receive, send)
    return sent


async def _echo_until_closed(scope: Scope, receive: Receive, send: Send) -> None:
    assert (await receive())["type"] == "websocket.connect"
    await send({"type": "websocket.accept"})
    while (await receive())["type"] != "websocket.disconnect":
        pass


async def _refuse(scope: Scope, receive: Receive, send: Send) -> None:
    await receive()
    await send({"type": "websocket.close", "code": 4403})


def _line(caplog: pytest.LogCaptureFixture) -> dict[str, Any]:
    records = [r for r in caplog.records if r.name == "groupdesk.access"]
    assert len(records) == 1
    return records[0].fields  # type: ignore[attr-defined]


async def test_a_session_the_client_ends_normally_is_logged_101_with_its_close_code(
        caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="groupdesk.access"):
        await _session(_echo_until_closed, [
            {"type": "websocket.connect"}, {"type": "websocket.receive", "text": "{}"},
            {"type": "websocket.disconnect", "code": 1000}])
    fields = _line(caplog)
    assert fields["status"] == 101 and fields["close_code"] == 1000 and fields["method"] == "WS"


async def test_a_connection_closed_before_it_is_accepted_is_logged_as_refused(
        caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="groupdesk.access"):
        await _session(_refuse, [{"type": "websocket.connect"}])
    fields = _line(caplog)
    assert fields["status"] == 403 and fields["close_code"] == 4403
