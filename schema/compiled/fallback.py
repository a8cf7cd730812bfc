"""When a document is not run by a compiled plan: the reason, logged once per document, and counted.

Anything the planner does not know (a field it has no reader for, a mutation, a `node(id)` of
another type, arguments it leaves graphql-core to refuse) runs through graphql-core unchanged.
`/metrics` shows both counters, so a deployment sees how much of its traffic is compiled.
"""

from __future__ import annotations

import logging
from collections import OrderedDict

from prometheus_client import CollectorRegistry, Counter, generate_latest

log = logging.getLogger("groupdesk.graphql.planner")

REGISTRY = CollectorRegistry(auto_describe=True)
COMPILED = Counter("groupdesk_graphql_compiled_operations",
                   "GraphQL operations answered by a compiled plan.", registry=REGISTRY)
FALLBACKS = Counter("groupdesk_graphql_fallback_operations",
                    "GraphQL queries run by graphql-core because the planner does not compile "
                    "them, by reason.", ["reason"], registry=REGISTRY)

# Documents whose fallback reason was already logged (bounded: clients send few documents).
_LOGGED_MAX = 1024
_logged: OrderedDict[tuple[str, str], None] = OrderedDict()


class NotCompiled(Exception):
    """The planner leaves this document (or this run of it) to graphql-core, and says why.

    `reason` is a short label, bounded by the schema's size (`Ticket.comments`, `mutation`).
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# Not unsupported, refused: graphql-core answers the client's mistake, which is no news for the log.
REFUSED = frozenset({"arguments refused", "variables refused", "directive arguments refused",
                     "node id refused"})


def fall_back(document_key: str, reason: str, operation_name: str | None) -> None:
    """Count a fallback; log its reason the first time this document meets it (not a refusal)."""
    FALLBACKS.labels(reason=reason).inc()
    key = (document_key, reason)
    if reason in REFUSED or key in _logged:
        return
    _logged[key] = None
    if len(_logged) > _LOGGED_MAX:
        _logged.popitem(last=False)
    log.info("document run by graphql-core, not compiled",
             extra={"fields": {"reason": reason, "operation": operation_name or "-"}})


def compiled() -> None:
    COMPILED.inc()


def metrics_text() -> str:
    """The counters in the Prometheus text format, for `/metrics`."""
    return generate_latest(REGISTRY).decode()
