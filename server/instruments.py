"""The process's Prometheus instruments, in one registry that /metrics exposes (server.reports.metrics).

In-process figures live here: requests and their latency per GraphQL operation and outcome, SQL
statements per request, open WebSockets and subscriptions, login failures by reason. Any module
may count on them (this one imports no domain); figures every process must agree on (outbox
backlogs, mails sent, escalations) are read from the database when /metrics is scraped.
"""

from __future__ import annotations

import re
import threading
from contextvars import ContextVar

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry()

REQUESTS = Counter("groupdesk_requests", "Requests by GraphQL operation name (or export path) and outcome.",
                   ["operation", "outcome"], registry=REGISTRY)
REQUEST_SECONDS = Histogram("groupdesk_request_seconds", "Request latency by operation and outcome.",
                            ["operation", "outcome"], registry=REGISTRY,
                            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
SQL_STATEMENTS = Histogram("groupdesk_sql_statements_per_request", "SQL statements sent per request.",
                           ["operation"], registry=REGISTRY,
                           buckets=(0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144))
WEBSOCKETS_OPEN = Gauge("groupdesk_websockets_open", "Open GraphQL WebSocket connections.",
                        registry=REGISTRY)
SUBSCRIPTIONS_ACTIVE = Gauge("groupdesk_subscriptions_active", "Running GraphQL subscriptions.",
                             registry=REGISTRY)
LOGIN_FAILURES = Counter("groupdesk_login_failures", "Refused credentials by reason.", ["reason"],
                         registry=REGISTRY)

# Operation names are the client's choice: past this many distinct ones, new names count as "other",
# so that a client cannot grow the registry without bound.
MAX_OPERATION_NAMES = 200
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
_seen: set[str] = set()
_seen_lock = threading.Lock()


def operation_label(name: str | None) -> str:
    """The label an operation is counted under: its name, "anonymous", or "other"."""
    if not name:
        return "anonymous"
    if not _NAME.fullmatch(name):
        return "other"
    with _seen_lock:
        if name in _seen:
            return name
        if len(_seen) >= MAX_OPERATION_NAMES:
            return "other"
        _seen.add(name)
        return name


# Why a credential was refused, from the refusal's words: a short fixed list of labels.
_REASONS = (("Authorization header", "malformed_header"), ("API token", "api_token"),
            ("deactivated", "deactivated"), ("unknown tenant", "unknown_tenant"),
            ("no groupdesk user", "unknown_user"), ("belongs to", "wrong_tenant"),
            ("expired", "expired"), ("signature", "bad_signature"), ("audience", "wrong_audience"),
            ("issuer", "untrusted_issuer"))


def login_failure_reason(message: str) -> str:
    lowered = message.lower()
    for words, reason in _REASONS:
        if words.lower() in lowered:
            return reason
    return "token_rejected"


# Statements sent while a request is served: a one-item list the SQLAlchemy event bumps.
statements_of_request: ContextVar[list[int] | None] = ContextVar("groupdesk_sql_statements", default=None)


def count_statement() -> None:
    counter = statements_of_request.get()
    if counter is not None:
        counter[0] += 1
