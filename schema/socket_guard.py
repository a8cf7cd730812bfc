"""Open WebSockets stay bound to a valid credential: registered at connection_init, re-checked before
each operation, closed (4403) when their token is revoked or their user or tenant deactivated.

The rules and the registry are server/identity/open_sockets.py; this module ties them to Starlette's
WebSocket and to strawberry's graphql-transport-ws handler.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.websockets import WebSocket, WebSocketState
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler

from schema.languages import localize_payloads
from server.identity.auth import Authentication
from server.identity.gate import AuthenticationGate
from server.identity.open_sockets import OPEN_SOCKETS, OpenSocket, SocketHolder
from server.identity.principals import holder_problem
from server.identity.rate_limits import RateLimited
from server.outages import outage_of
from tenants.i18n import DEFAULT_LANGUAGE
from tenants.i18n.messages import in_language

WS_FORBIDDEN = 4403
# Where the connection's context keeps its registration (Context.extras of the connection).
OPEN_SOCKET = "open_socket"
WS_REASON_MAX_BYTES = 123


def _reason(message: str) -> str:
    encoded = message.encode("utf-8")
    if len(encoded) <= WS_REASON_MAX_BYTES:
        return message
    return encoded[: WS_REASON_MAX_BYTES - 3].decode("utf-8", errors="ignore") + "..."


def open_socket(websocket: WebSocket, found: Authentication, *, sessions: async_sessionmaker[AsyncSession],
                interval: float, language: str = DEFAULT_LANGUAGE) -> OpenSocket:
    """Register an acknowledged connection and start watching its holder; it is closed saying why in
    the connection's language."""
    principal = found.principal
    holder = SocketHolder(user_id=principal.user_id, tenant_id=principal.tenant_id, token_id=found.token_id)

    async def check(who: SocketHolder) -> str | None:
        async with sessions() as session:
            return await holder_problem(session, who)

    async def close(reason: str) -> None:
        if websocket.application_state is WebSocketState.CONNECTED:
            with contextlib.suppress(RuntimeError):
                await websocket.close(code=WS_FORBIDDEN, reason=_reason(in_language(reason, language)))

    socket = OpenSocket(holder, check=check, close=close, interval=interval)
    OPEN_SOCKETS.add(socket)
    websocket.state.open_socket = socket
    websocket.state.socket_watch = asyncio.create_task(socket.watch())
    return socket


def forget_socket(websocket: Any) -> None:
    """The connection ended: stop watching it and drop it from the registry."""
    state = getattr(websocket, "state", None)
    socket = getattr(state, "open_socket", None)
    if socket is not None:
        OPEN_SOCKETS.discard(socket)
        socket.closed = True
    watch = getattr(state, "socket_watch", None)
    if watch is not None:
        watch.cancel()


class GuardedTransportWSHandler(BaseGraphQLTransportWSHandler):  # type: ignore[type-arg]
    """Before an operation starts: is the holder still valid, and within its rate limit?"""

    async def handle_subscribe(self, message: Any) -> None:
        socket: OpenSocket | None = getattr(self.context, "extras", {}).get(OPEN_SOCKET)
        if socket is not None and self.connection_acknowledged:
            try:
                reason = await socket.problem()
            except Exception as exc:
                if (outage := outage_of(exc)) is None:
                    raise
                # The holder cannot be re-checked now: this operation is refused, the socket stays.
                await self.send_message({"id": message["id"], "type": "error", "payload": [{
                    "message": outage.message, "extensions": {"code": "SERVICE_UNAVAILABLE"}}]})
                return
            if reason is not None:
                await socket.close(reason)
                return
            gate: AuthenticationGate = self.view.gate
            principal = self.context.principal
            try:
                await gate.count(principal)
            except RateLimited as exc:
                await self.send_message({"id": message["id"], "type": "error", "payload": [{
                    "message": exc.message,
                    "extensions": {"code": "RATE_LIMITED", "retryAfter": exc.retry_after}}]})
                return
        await super().handle_subscribe(message)

    async def send_message(self, message: Any) -> None:
        # Errors of an operation, in the connection's language (codes and fields unchanged).
        if isinstance(message, dict) and message.get("type") in ("next", "error"):
            payload = message.get("payload")
            errors = payload.get("errors") if isinstance(payload, dict) else payload
            if isinstance(errors, list):
                localize_payloads(errors, getattr(self.context, "language", DEFAULT_LANGUAGE))
        await super().send_message(message)
