"""The known path: a query already answered by its compiled plan is served again without
strawberry's per-request pipeline, every check kept.

The first request of a document goes the whole way (schema.view, then strawberry): the body's
envelope, authentication, parsing and the document limits, validation, the cost budget, the
argument checks, then the compiled plan (schema.compiled) within the time limit. What of this
depends on the document's text alone is then known, and the next POST of the same text and
operation name with a JSON body and a bearer token is served here:

- the caller admitted first, by the same gate (blocked addresses, failed logins, the per-caller
  rate limit, the principal cache), refusals answered as the view answers them: a refused
  caller's body is never parsed;
- the body then checked by the same function (schema.request_body.envelope), once;
- what depends on the request checked again: the cost with these variables, the variables'
  values (schema.argument_checks), their coercion (graphql-core's Executor.build);
- the plan run in the request's session within the time limit, the transaction ended as the view
  ends it; the response written as the view writes it (`extensions.cost`, media type, status).

Anything else takes the whole way (an anonymous caller before its body is read), with the body
as it came, the caller already admitted and the body already parsed (schema.view.HandedOver: the
gate counts a request once, a body is parsed once): a text not known, a mutation, a body to
refuse, a cost over the budget, an argument or variable to refuse, a run with errors or that
raised. These are queries, which only read: running one again through the whole way changes
nothing.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from graphql import DocumentNode, OperationDefinitionNode
from prometheus_client import Counter

from schema.compiled.fallback import REGISTRY
from schema.compiled.planner import DocumentPlan
from schema.document_memo import kept

# The most documents kept: as many as the plan cache holds plans (schema.compiled.planner).
MAX_KNOWN = 512

SERVED = Counter("groupdesk_graphql_known_path_operations",
                 "GraphQL queries served by the known path (already compiled documents), and those "
                 "it handed to the whole pipeline, by reason.", ["outcome"], registry=REGISTRY)
_SERVED = SERVED.labels("served")


def handed_over(reason: str) -> None:
    SERVED.labels(reason).inc()


def served() -> None:
    _SERVED.inc()


@dataclass(frozen=True, slots=True)
class KnownDocument:
    """What the whole pipeline established about one document text and operation name."""

    document: DocumentNode
    operation: OperationDefinitionNode
    plan: DocumentPlan
    # The operation's name as the access log and metrics note it.
    name: str | None
    # The cost when no variable sizes a list (schema.limits), else None: counted per request.
    cost: int | None


class KnownDocuments:
    """Documents the whole pipeline accepted and answered by their plan, by (text, operation name)."""

    def __init__(self, max_entries: int = MAX_KNOWN) -> None:
        self.max_entries = max_entries
        self._known: OrderedDict[tuple[str, str | None], KnownDocument] = OrderedDict()

    def __len__(self) -> int:
        return len(self._known)

    def get(self, query: str, operation_name: str | None) -> KnownDocument | None:
        key = (query, operation_name)
        found = self._known.get(key)
        if found is not None:
            self._known.move_to_end(key)
        return found

    def learn(self, query: str, operation_name: str | None, known: KnownDocument) -> None:
        """Remember a document the whole pipeline answered; large texts are not kept (as the parse
        cache does not keep them)."""
        if not kept(query):
            return
        key = (query, operation_name)
        self._known[key] = known
        self._known.move_to_end(key)
        while len(self._known) > self.max_entries:
            self._known.popitem(last=False)

    def clear(self) -> None:
        self._known.clear()

