"""What the planner compiles: for each GraphQL object type, how each field's value is read.

A reader takes the parent's value and the run (the viewer and the rows fetched) and returns the
field's raw value; the GraphQL type of the field then serializes it, as graphql-core would
(enums by name, DateTime by isoformat, JSON as is). A field without a reader here is not
compiled: its documents fall back to graphql-core. Readers mirror the resolvers of
schema/tickets/types.py, schema/identity/types.py and schema/catalog/types.py; the differential
tests (tests/compiled) prove each one equal to them. Tickets (and their fulfilment), schools,
people and catalogue entries are plain rows holding the columns `COLUMNS` says their readers
read; comments and history events are the rows their server readers return.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter
from typing import Any, Protocol

from strawberry.relay import to_base64

from schema.identity.types import roles_of
from server.identity.models import known_roles
from server.tickets import workflow
from server.tickets.access import parties_on
from server.tickets.relatives import Kind


class Run(Protocol):
    """What a reader may use: the caller, and the related rows fetched for the whole page."""

    @property
    def viewer(self) -> Any: ...

    # Each to-many selection's values (by the selection's number in its shape), by ticket id.
    @property
    def many(self) -> dict[int, dict[int, Any]]: ...

    def related(self, kind: Kind, ident: int | None) -> Any: ...


Reader = Callable[[Any, Run], Any]


@dataclass(frozen=True, slots=True)
class Relation:
    """A to-one relation: the kind of row it points at and the column holding its id."""

    kind: Kind
    column: str

    def ids(self, row: Any) -> int | None:
        return getattr(row, self.column)  # type: ignore[no-any-return]


def _attr(name: str) -> Reader:
    get = attrgetter(name)
    read = lambda value, run: get(value)  # noqa: E731
    read.attribute = name  # type: ignore[attr-defined]  # the planner reads it directly
    return read


def _global_id(type_name: str) -> Reader:
    read = lambda row, run: to_base64(type_name, row.id)  # noqa: E731
    read.global_id = type_name  # type: ignore[attr-defined]  # the writer reads it directly
    return read


def _related(relation: Relation) -> Reader:
    kind, get = relation.kind, attrgetter(relation.column)
    read = lambda row, run: run.related(kind, get(row))  # noqa: E731
    read.relation = relation  # type: ignore[attr-defined]  # the writer reads it directly
    return read


def _plain(type_name: str, *names: str) -> dict[str, Reader]:
    return {"id": _global_id(type_name), **{n: _attr(n) for n in names}}


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _columns(type_name: str, *names: str) -> dict[str, Reader]:
    """Readers of row attributes under their GraphQL (camel case) names."""
    return {"id": _global_id(type_name), **{_camel(n): _attr(n) for n in names}}


def _fulfilment(row: Any, run: Run) -> Any:
    """The ticket row itself stands for its Fulfilment (schema.tickets.types.Fulfilment.of)."""
    return row if row.fulfilment_status is not None and row.fulfilment_updated_at is not None else None


def _allowed_actions(row: Any, run: Run) -> Any:
    return workflow.allowed_actions(row.state, parties_on(run.viewer, row))


def _cursor(edge: Any, run: Run) -> Any:
    """An edge is (node, the page's cursors, its index): schema.compiled.rows.Edge."""
    return edge[1][edge[2]]


def _node(edge: Any, run: Run) -> Any:
    return edge[0]


_node.item = 0  # type: ignore[attr-defined]  # the writer reads it directly (serializer)


# To-one relations the planner fetches in batches (server.tickets.relatives), by type and field.
RELATIONS: dict[str, dict[str, Relation]] = {
    "Ticket": {
        "school": Relation(Kind.TENANT, "tenant_id"),
        "openedBy": Relation(Kind.USER, "opened_by_id"),
        "assignee": Relation(Kind.USER, "assignee_id"),
        "brick": Relation(Kind.BRICK, "brick_id"),
        "service": Relation(Kind.SERVICE, "service_id"),
        "subService": Relation(Kind.SUB_SERVICE, "sub_service_id"),
    },
    "User": {"tenant": Relation(Kind.TENANT, "tenant_id")},
    "TicketComment": {"author": Relation(Kind.USER, "author_id")},
    "TicketEvent": {"actor": Relation(Kind.USER, "actor_id")},
}

# To-many fields: their values are read for all the tickets of the run at once, one statement
# per selection (schema.compiled.rows), with the selection's arguments; the name is the reading.
MANY: dict[str, frozenset[str]] = {"Ticket": frozenset({"comments", "history", "lastComments"})}


def many(number: int) -> Reader:
    """The reader of a shape's to-many selection number `number`: its value for the ticket (none
    when the run stopped reading after a root field failed, like the to-one relations)."""
    return lambda row, run: run.many.get(number, {}).get(row.id)

# The GraphQL type of the rows of each kind.
TYPE_OF_KIND = {Kind.TENANT: "Tenant", Kind.USER: "User", Kind.BRICK: "Brick",
                Kind.SERVICE: "Service", Kind.SUB_SERVICE: "SubService"}

# A connection is read from a `Listing` (schema.compiled.rows): its page and, when asked, its total.
READERS: dict[str, dict[str, Reader]] = {
    "TicketConnection": {
        "edges": lambda listing, run: listing.edges,
        "pageInfo": lambda listing, run: listing.page,
        "totalCount": lambda listing, run: listing.total.value,
        "totalCountIsEstimate": lambda listing, run: not listing.total.exact,
    },
    "TicketEdge": {"cursor": _cursor, "node": _node},
    # A ticket's comments or history: a `Listing` of its RelationPage (no totalCountIsEstimate:
    # a ticket's list is counted exactly).
    **{f"Ticket{name}Connection": {
        "edges": lambda listing, run: listing.edges,
        "pageInfo": lambda listing, run: listing.page,
        "totalCount": lambda listing, run: listing.total,
    } for name in ("Comment", "Event")},
    **{f"Ticket{name}Edge": {"cursor": _cursor, "node": _node} for name in ("Comment", "Event")},
    "TicketComment": {
        **_columns("TicketComment", "body", "visibility", "source", "created_at"),
        "viaApiToken": lambda comment, run: comment.api_token_id is not None,
    },
    "TicketEvent": {
        **_columns("TicketEvent", "kind", "visibility", "data", "created_at"),
        "viaApiToken": lambda event, run: event.api_token_id is not None,
    },
    "PageInfo": {
        "hasNextPage": _attr("has_next_page"),
        "hasPreviousPage": _attr("has_previous_page"),
        "startCursor": lambda page, run: page.cursors[0] if page.cursors else None,
        "endCursor": lambda page, run: page.cursors[-1] if page.cursors else None,
    },
    "Ticket": {
        **_columns("Ticket", "ref", "title", "description", "priority", "state", "request_data",
                   "local_ref", "requester_name", "requester_email", "escalation_level",
                   "solution", "version", "assigned_at", "created_at", "updated_at",
                   "resolved_at", "closed_at"),
        "allowedActions": _allowed_actions,
        "fulfilment": _fulfilment,
    },
    "Fulfilment": {
        "system": lambda row, run: row.fulfilment_system or "",
        "status": _attr("fulfilment_status"),
        "error": lambda row, run: bool(row.fulfilment_error),
        "message": _attr("fulfilment_message"),
        "updatedAt": _attr("fulfilment_updated_at"),
    },
    "Tenant": _plain("Tenant", "slug", "name", "kind", "active"),
    "User": {
        **_columns("User", "username", "email", "display_name", "active", "technical"),
        # A plain row's `roles` are the stored names (server.tickets.relatives).
        "roles": lambda user, run: roles_of(known_roles(user.roles)),
    },
    "Brick": _plain("Brick", "code", "name", "description", "active"),
    "Service": _plain("Service", "name", "description", "active"),
    "SubService": {
        **_columns("SubService", "name", "description", "form", "requires_approval",
                   "default_priority", "active"),
    },
}
for _type_name, _relations in RELATIONS.items():
    for _field, _relation in _relations.items():
        READERS[_type_name][_field] = _related(_relation)

# The table whose plain rows each object type is read from (server.tickets.relatives): a
# Fulfilment is its ticket's row.
ROWS_OF = {"Ticket": "Ticket", "Fulfilment": "Ticket", **{t: t for t in TYPE_OF_KIND.values()}}
# What a ticket's parties on it are decided from (server.tickets.access.facts_of) and its state.
_FACTS = ("state", "tenant_id", "brick_id", "service_id", "sub_service_id", "assignee_id",
          "approval")
# Columns every ticket row carries: its id and the keys of every order its cursors may name.
TICKET_KEYS = ("id", "created_at", "updated_at", "priority", "sla_due_key")

# The columns each field's reader reads of its row, so that a plan's statements select those
# alone. A field of a plain attribute reads its own column (the snake case of its name).
COLUMNS: dict[str, dict[str, tuple[str, ...]]] = {
    "Ticket": {"id": ("id",), "allowedActions": _FACTS,
               "fulfilment": ("fulfilment_status", "fulfilment_updated_at")},
    "Fulfilment": {"system": ("fulfilment_system",), "status": ("fulfilment_status",),
                   "error": ("fulfilment_error",), "message": ("fulfilment_message",),
                   "updatedAt": ("fulfilment_updated_at",)},
    "User": {"roles": ("roles",)},
}
for _type_name in TYPE_OF_KIND.values():
    COLUMNS.setdefault(_type_name, {})["id"] = ("id",)
for _type_name, _readers in READERS.items():
    if _type_name in ROWS_OF:
        _needs = COLUMNS.setdefault(_type_name, {})
        for _field in _readers:
            _needs.setdefault(_field, (_snake(_field),))
for _type_name, _relations in RELATIONS.items():
    for _field, _relation in _relations.items():
        if _type_name in ROWS_OF:
            COLUMNS[_type_name][_field] = (_relation.column,)
for _type_name, _fields in MANY.items():
    for _field in _fields:
        COLUMNS[_type_name][_field] = ("id",)
