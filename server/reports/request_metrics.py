"""ASGI middleware counting each GraphQL request and export: latency, outcome, SQL statements.

It runs inside server.logs.RequestLog, whose request facts (operation name, outcomes) it reads
once the response is sent; SQL statements are counted by a SQLAlchemy event on every engine.
"""

from __future__ import annotations

import functools
import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.instruments import (
    REQUEST_SECONDS,
    REQUESTS,
    SQL_STATEMENTS,
    count_statement,
    operation_label,
    statements_of_request,
)
from server.logs import current_request, outcome_of

COUNTED_PATHS = ("/graphql", "/exports/tickets.csv", "/exports/stats.csv")
_listening = False


def count_sql_statements() -> None:
    """Count every statement any engine sends (idempotent: one listener per process)."""
    global _listening
    if not _listening:
        event.listen(Engine, "before_cursor_execute", lambda *args: count_statement())
        _listening = True


class RequestMetrics:
    """Per HTTP request to a counted path: one count, one latency, the statements it sent."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        count_sql_statements()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") not in COUNTED_PATHS:
            await self.app(scope, receive, send)
            return
        status = 500
        counter = [0]
        token = statements_of_request.set(counter)
        started = time.perf_counter()

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            statements_of_request.reset(token)
            facts = current_request.get()
            path = scope["path"]
            operation = (operation_label(facts.operation if facts else None) if path == "/graphql"
                         else path.removeprefix("/"))
            outcome = "ok"
            if facts is not None:
                outcome = outcome_of(facts, status).split(",")[0]
            elif status >= 400:
                outcome = f"http:{status}"
            count, latency, statements = _series(operation, outcome)
            count.inc()
            latency.observe(time.perf_counter() - started)
            statements.observe(counter[0])


@functools.lru_cache(maxsize=4096)
def _series(operation: str, outcome: str) -> tuple[Any, Any, Any]:
    """The three series a request is counted in, looked up once per label pair (operation names
    are bounded by operation_label, outcomes by the error codes)."""
    return (REQUESTS.labels(operation, outcome), REQUEST_SECONDS.labels(operation, outcome),
            SQL_STATEMENTS.labels(operation))
