"""Structured logs: one JSON object per line, one access line per request, each line with its request id.

While a request is served, `current_request` holds what is known about it (id, caller, GraphQL
operation, outcomes); every log record made meanwhile carries `request_id` (a LogRecord factory),
and the access line written at the end names the caller, the operation and its outcome.
"""

from __future__ import annotations

import json
import logging
import sys
import time
import uuid
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

access = logging.getLogger("groupdesk.access")


@dataclass
class RequestFacts:
    """What the access line reports; filled in by authentication and the GraphQL layer."""

    request_id: str
    user: str | None = None
    tenant: str | None = None
    operation: str | None = None
    operation_type: str | None = None
    # "error:<CODE>" for each GraphQL error code, "refused:<Problem>" for a typed mutation refusal.
    outcomes: list[str] = field(default_factory=list)


current_request: ContextVar[RequestFacts | None] = ContextVar("groupdesk_request", default=None)


def note_caller(username: str, tenant_slug: str) -> None:
    facts = current_request.get()
    if facts is not None:
        facts.user, facts.tenant = username, tenant_slug


def note_operation(name: str | None, operation_type: str | None) -> None:
    facts = current_request.get()
    if facts is not None:
        facts.operation, facts.operation_type = name, operation_type


def note_outcome(outcome: str) -> None:
    facts = current_request.get()
    if facts is not None and outcome not in facts.outcomes:
        facts.outcomes.append(outcome)


# What an HTTP status says when nothing more precise was noted during the request.
_STATUS_OUTCOMES = {401: "error:UNAUTHENTICATED", 403: "error:FORBIDDEN", 503: "error:SERVICE_UNAVAILABLE"}


def outcome_of(facts: RequestFacts, status: int) -> str:
    if facts.outcomes:
        return ",".join(facts.outcomes)
    if status < 400:
        return "ok"
    return _STATUS_OUTCOMES.get(status, "error:INTERNAL" if status >= 500 else "error:BAD_REQUEST")


_factory_installed = False


def install_request_ids() -> None:
    """Every LogRecord made while a request is served carries its `request_id` (None outside one)."""
    global _factory_installed
    if _factory_installed:
        return
    previous = logging.getLogRecordFactory()

    def make_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        facts = current_request.get()
        record.request_id = facts.request_id if facts is not None else None
        return record

    logging.setLogRecordFactory(make_record)
    _factory_installed = True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if (request_id := getattr(record, "request_id", None)) is not None:
            entry["request_id"] = request_id
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class RoutineToDebug(logging.Filter):
    """APScheduler announces every run of every job at INFO: routine, so DEBUG."""

    ROUTINE = ("Running job", "executed successfully", "Added job", "Adding job tentatively",
               "Removed job", "Scheduler started", "Scheduler has been shut down")

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno == logging.INFO and any(w in str(record.msg) for w in self.ROUTINE):
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            return logging.getLogger().isEnabledFor(logging.DEBUG)
        return True


def quiet_scheduler_routine() -> None:
    for name in ("apscheduler.executors.default", "apscheduler.scheduler"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RoutineToDebug) for f in logger.filters):
            logger.addFilter(RoutineToDebug())


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # uvicorn's own access log would duplicate ours.
    logging.getLogger("uvicorn.access").disabled = True
    install_request_ids()
    quiet_scheduler_routine()


class RequestLog:
    """ASGI middleware: gives each request an id (or keeps the caller's) and logs it once
    (`access_log` False: no access line; the id is still given, and carried by every other line)."""

    def __init__(self, app: ASGIApp, *, access_log: bool = True) -> None:
        self.app = app
        self.access_log = access_log
        install_request_ids()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        given = next((value for name, value in scope.get("headers") or () if name == b"x-request-id"), b"")
        request_id = given.decode("latin-1")[:64] or uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        facts = RequestFacts(request_id)
        token = current_request.set(facts)
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
            if self.access_log:
                self._log(scope, facts, status, ws_close, started)
            current_request.reset(token)

    @staticmethod
    def _log(scope: Scope, facts: RequestFacts, status: int, ws_close: int | None, started: float) -> None:
        if not access.isEnabledFor(logging.INFO):
            return
        fields: dict[str, Any] = {
            "request_id": facts.request_id, "method": scope.get("method", "WS"),
            "path": scope.get("path"), "status": status, "outcome": outcome_of(facts, status),
            "ms": round((time.perf_counter() - started) * 1000, 1)}
        fields.update({k: v for k, v in (("user", facts.user), ("tenant", facts.tenant),
                                         ("operation", facts.operation),
                                         ("operation_type", facts.operation_type)) if v})
        if scope["type"] == "websocket" and ws_close is not None:
            fields["close_code"] = ws_close
        access.info("request", extra={"fields": fields})
