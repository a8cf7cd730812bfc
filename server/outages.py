"""Outages: is this failure the database or the identity provider being unreachable, and the 503 to answer.

A request that fails because a dependency is down is not the caller's fault and not a bug: it gets
HTTP 503 with `Retry-After` and a retryable error (`extensions.code = SERVICE_UNAVAILABLE`), never
a driver message, and the service recovers by itself once the dependency answers again.
"""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Iterator
from typing import Any

import httpx
import sqlalchemy.exc as sa_exc
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tenants.i18n import DEFAULT_LANGUAGE
from tenants.i18n import messages as words

log = logging.getLogger("groupdesk.outages")

DATABASE_UNAVAILABLE = words.Message("the database is unavailable, retry later")
IDENTITY_PROVIDER_UNAVAILABLE = words.Message("the identity provider is unavailable, retry later")
SCIM_ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
# A WebSocket refused during an outage: "try again later" (RFC 6455 registry).
WS_TRY_AGAIN_LATER = 1013

# SQLite errors that mean the file cannot be used right now, not that the statement is wrong.
_SQLITE_OUTAGES = ("unable to open", "disk i/o error", "database is locked", "readonly database",
                   "database disk image is malformed", "file is not a database")


class ServiceUnavailable(Exception):
    """A dependency (`database`, `identity provider`) is down; `message` is safe to show anyone."""

    def __init__(self, message: str = DATABASE_UNAVAILABLE, *, dependency: str = "database") -> None:
        super().__init__(message)
        self.message = message
        self.dependency = dependency


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception and what it wraps: causes, contexts, a GraphQL error's and a driver's original."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        current = todo.pop()
        # A desk or realm call that failed wraps socket errors too: those are not the database.
        if current is None or id(current) in seen or isinstance(current, httpx.HTTPError):
            continue
        seen.add(id(current))
        yield current
        todo += [current.__cause__, current.__context__, getattr(current, "original_error", None),
                 getattr(current, "orig", None)]


def _is_asyncpg_outage(exc: BaseException) -> bool:
    try:
        import asyncpg.exceptions as pg
    except ImportError:  # pragma: no cover - asyncpg is a dependency
        return False
    if isinstance(exc, pg.PostgresConnectionError | pg.OperatorInterventionError
                  | pg.InsufficientResourcesError):
        return True
    return isinstance(exc, pg.InterfaceError) and "connection is closed" in str(exc)


def _is_database_outage(exc: BaseException) -> bool:
    if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, sa_exc.TimeoutError):  # no pooled connection came free in time
        return True
    if isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError):
        # sqlite3 also reports a malformed statement as OperationalError: only the file's state counts.
        if type(exc.orig).__module__.startswith(("sqlite3", "aiosqlite")) or "sqlite" in str(exc.orig):
            return str(exc.orig).lower().startswith(_SQLITE_OUTAGES)
        return True
    if isinstance(exc, ConnectionError | TimeoutError | socket.gaierror):
        return True
    return _is_asyncpg_outage(exc)


def outage_of(exc: BaseException) -> ServiceUnavailable | None:
    """The outage behind `exc` (anywhere in its chain), or None when it is something else."""
    for link in _chain(exc):
        if isinstance(link, ServiceUnavailable):
            return link
        if _is_database_outage(link):
            return ServiceUnavailable()
    return None


def graphql_unavailable_body(outage: ServiceUnavailable, language: str = DEFAULT_LANGUAGE) -> dict[str, object]:
    return {"errors": [{"message": words.in_language(outage.message, language),
                        "extensions": {"code": "SERVICE_UNAVAILABLE"}}]}


def scim_unavailable_body(outage: ServiceUnavailable) -> dict[str, object]:
    return {"schemas": [SCIM_ERROR], "status": "503", "detail": outage.message}


def _body_for(scope: Scope, outage: ServiceUnavailable) -> tuple[bytes, bytes]:
    path = scope.get("path", "")
    if path.startswith("/scim"):
        return json.dumps(scim_unavailable_body(outage)).encode(), b"application/scim+json"
    # Who asks is not known when the database cannot say: the request's Accept-Language, else French.
    language = words.accepted_language(Headers(scope=scope).get("accept-language")) or DEFAULT_LANGUAGE
    return json.dumps(graphql_unavailable_body(outage, language)).encode(), b"application/json"


class OutageGuard:
    """ASGI middleware: a request failing on an outage answers 503 with Retry-After, not a bare 500."""

    # Probes say what they find themselves, whatever the state of the schema.
    UNGATED = ("/healthz", "/readyz")

    def __init__(self, app: ASGIApp, *, retry_after_seconds: int, schema_gate: Any = None) -> None:
        self.app = app
        self.retry_after = str(retry_after_seconds).encode()
        # server.schema_gate.SchemaGate: production refuses a schema behind head.
        self.schema_gate = schema_gate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = message.get("headers", [])
                if message["status"] == 503 and not any(k.lower() == b"retry-after" for k, _ in headers):
                    message["headers"] = [*headers, (b"retry-after", self.retry_after)]
            await send(message)

        try:
            if self.schema_gate is not None and not self.schema_gate.passed \
                    and scope.get("path") not in self.UNGATED:
                await self.schema_gate.check()
            await self.app(scope, receive, watch)
        except Exception as exc:
            outage = outage_of(exc)
            if outage is None or started:
                raise
            # One line naming what is down; the driver's words stay out of the answer.
            log.warning("request failed: %s is unavailable", outage.dependency,
                        extra={"fields": {"cause": type(exc).__name__, "dependency": outage.dependency}})
            body, media_type = _body_for(scope, outage)
            await watch({"type": "http.response.start", "status": 503, "headers": [
                (b"content-type", media_type), (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})
