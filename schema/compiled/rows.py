"""The rows a plan needs, in a fixed number of statements: its root fields, its tickets' lists,
then each relation kind.

Root fields read through the same server functions as their resolvers (the list's keyset page,
filters and the viewer's visibility in SQL: server.tickets.listing and .queue; one ticket:
server.tickets.queries). A list's page, or one ticket, is one statement of plain rows, the to-one
relations the plan selects on its tickets LEFT JOINed to it, only the columns the plan reads (the
shape's `page`, server.tickets.relatives). Each selected to-many list (comments, latest comments,
history) is read for all the tickets at once through its loader's server function, one
statement per selection. Relations not joined (people's schools, comment authors) are read for
all the rows at once, one statement per kind and level. Arguments graphql-core would refuse are
left to it (NotCompiled), so its errors stay exactly as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

from graphql import GraphQLError, GraphQLField
from graphql.execution import Executor
from graphql.execution.values import get_argument_values
from strawberry.relay import from_base64

from schema.compiled.fallback import NotCompiled
from schema.compiled.fields import TYPE_OF_KIND
from schema.compiled.planner import NODE_TYPE, TYPENAME, Selection, Shape
from schema.ids import database_id, node_id
from schema.tickets.lists import LISTERS, read_list
from server.db import begin_reading, end_reading
from server.errors import NotFound
from server.pagination import Total
from schema.loaders import LAST_COMMENTS_MAX
from server.errors import GroupdeskError
from server.pagination import PageArgs
from server.tickets import queries, relations
from server.tickets.relations import COMMENTS, HISTORY, RelationPage, window
from server.tickets.listing import TicketPage
from server.tickets.relatives import Kind, rows_by_id

# Strawberry's conversion of a root field's coerced arguments into its resolver's (inputs, ids).
Convert = Callable[[GraphQLField, dict[str, Any]], dict[str, Any]]


# An edge: its node, and its cursor as the page's cursors at its index (a cursor is written only
# when read: server.cursors.Cursors).
Edge = tuple[Any, Sequence[str], int]


@dataclass(frozen=True, slots=True)
class Listing:
    """A connection's value: its page (its tickets as plain rows) and, when selected, the whole
    list's length."""

    page: TicketPage
    tickets: list[Any]
    # The list's length when totalCount or totalCountIsEstimate is selected, bounded as the
    # connection's resolvers bound it (exact up to the settings' exact-count limit).
    total: Total | None

    @property
    def edges(self) -> list[Edge]:
        cursors = self.page.cursors
        if len(cursors) != len(self.tickets):
            raise ValueError("a page's tickets and cursors differ in number")
        return [(ticket, cursors, i) for i, ticket in enumerate(self.tickets)]


@dataclass(frozen=True, slots=True)
class RelationListing:
    """A ticket's comments or history: its page and, when selected, the list's exact length."""

    page: RelationPage
    total: int | None

    @property
    def edges(self) -> list[Edge]:
        cursors = self.page.cursors
        return [(row, cursors, i) for i, row in enumerate(self.page.rows)]


@dataclass(frozen=True, slots=True)
class Failed:
    """A root field whose reading raised: graphql-core would answer it null with this error."""

    error: Exception


@dataclass(slots=True)
class Fetched:
    """The viewer and every related row of the run, by kind and id (a fields.Run)."""

    viewer: Any
    rows: dict[Kind, dict[int, Any]] = field(default_factory=dict)
    many: dict[int, dict[int, Any]] = field(default_factory=dict)

    def related(self, kind: Kind, ident: int | None) -> Any:
        return None if ident is None else self.rows.get(kind, {}).get(ident)


class _Info:
    """What the shared list reader needs of a resolver's info: the request's context."""

    __slots__ = ("context",)

    def __init__(self, context: Any) -> None:
        self.context = context


def _wants(selection: Selection, name: str) -> bool:
    return any(child.name == name for child in selection.children)


async def _root(selection: Selection, shape: Shape, executor: Executor, context: Any,
                convert: Convert, fetched: Fetched) -> Any:
    assert selection.definition is not None
    try:
        raw = get_argument_values(selection.definition, selection.nodes[0], executor.variable_values)
        args = convert(selection.definition, raw)
    except (GraphQLError, ValueError, TypeError):
        raise NotCompiled("arguments refused") from None
    session, viewer = context.session, context.viewer
    if selection.name in LISTERS:
        try:
            page = await read_list(_Info(context), LISTERS[selection.name], args.get("filter"),
                                   args.get("order_by"), args.get("first"), args.get("after"),
                                   args.get("last"), args.get("before"),
                                   statement=shape.page.statement)
        except GraphQLError:
            raise NotCompiled("arguments refused") from None
        tickets = shape.page.split(page.rows, fetched.rows)
        total = None
        if _wants(selection, "totalCount") or _wants(selection, "totalCountIsEstimate"):
            total = await page.bounded(session, exact_up_to=context.settings.exact_count_limit)
        return Listing(page, tickets, total)
    statement = shape.page.statement
    try:
        if selection.name == "ticket":
            ident = node_id(args["id"], NODE_TYPE, field="id")
            assert ident is not None
            row = await queries.get_ticket(session, viewer=viewer, ticket_id=ident,
                                           statement=statement)
        elif selection.name == "ticketByRef":
            row = await queries.get_ticket_by_ref(session, viewer=viewer, ref=args["ref"],
                                                  statement=statement)
        else:
            row = await _node(str(raw["id"]), session, viewer, statement)
    except NotFound:
        return None
    return None if row is None else shape.page.split([row], fetched.rows)[0]


async def _node(gid: str, session: Any, viewer: Any, statement: Any) -> Any:
    try:
        type_name, ident = from_base64(gid)
    except ValueError:
        raise NotCompiled("node id refused") from None
    if type_name != NODE_TYPE:
        raise NotCompiled(f"node of type {type_name}")
    wanted = database_id(ident)
    if wanted is None:
        return None
    found = await queries.tickets_by_ids(session, viewer=viewer, ticket_ids=[wanted],
                                         statement=statement)
    return found.get(wanted)


def _searches(shape: Shape, executor: Executor) -> bool:
    """Whether a list of the run filters by text: its search plans its statements with their
    values for its transaction alone (server.tickets.search.plan_for_each_search)."""
    for selection in shape.roots:
        if selection.name in LISTERS:
            given = _arguments(selection, executor).get("filter")
            if given is not None and given.get("text") is not None:
                return True
    return False


async def fetch(shape: Shape, executor: Executor, context: Any,
                convert: Convert) -> tuple[list[Any], Fetched]:
    """Each root field's value, in the shape's order, and the related rows they name.

    On PostgreSQL the run's statements are read outside a transaction block when nothing was read
    before them (server.db.begin_reading): no BEGIN and COMMIT round trips around them."""
    session = context.session
    reads = any(selection.name != TYPENAME for selection in shape.roots)
    alone = reads and not session.in_transaction() and not _searches(shape, executor) \
        and await begin_reading(session)
    try:
        return await _fetch(shape, executor, context, convert)
    except NotCompiled:
        if alone:  # graphql-core reads in a transaction, as it always has
            await end_reading(session)
        raise


async def _fetch(shape: Shape, executor: Executor, context: Any,
                 convert: Convert) -> tuple[list[Any], Fetched]:
    fetched = Fetched(viewer=context.viewer)
    values: list[Any] = []
    tickets: list[Any] = []
    for selection in shape.roots:
        if selection.name == TYPENAME:
            values.append(None)
            continue
        try:
            value = await _root(selection, shape, executor, context, convert, fetched)
        except NotCompiled:
            raise
        except Exception as exc:  # noqa: BLE001 - answered like graphql-core: the field errs
            value = Failed(exc)
        values.append(value)
        if isinstance(value, Listing):
            tickets.extend(value.tickets)
        elif value is not None and not isinstance(value, Failed):
            tickets.append(value)
    if not any(isinstance(v, Failed) for v in values):  # after a failure the session may be unusable
        level = await _many(shape, executor, context, fetched, tickets)
        await _relatives(shape, fetched, context.session, {"Ticket": tickets, **level})
    return values, fetched


def _arguments(selection: Selection, executor: Executor) -> dict[str, Any]:
    assert selection.definition is not None
    try:
        return get_argument_values(selection.definition, selection.nodes[0],
                                   executor.variable_values)
    except (GraphQLError, ValueError, TypeError):
        raise NotCompiled("arguments refused") from None


async def _many(shape: Shape, executor: Executor, context: Any, fetched: Fetched,
                tickets: list[Any]) -> dict[str, list[Any]]:
    """Each to-many selection's value for every ticket, one statement each (plus one count when
    totalCount is selected), with the viewer's visibility (internal rows for the staff who read
    them: server.tickets.access); the rows read, by type, for the next level's relations."""
    ids = list(dict.fromkeys(t.id for t in tickets))
    session, viewer = context.session, context.viewer
    level: dict[str, list[Any]] = {}
    for selection in shape.many:
        args = _arguments(selection, executor)
        values: dict[int, Any] = {}
        if selection.name == "lastComments":
            count = max(0, min(args["count"], LAST_COMMENTS_MAX))  # as the loader bounds it
            grouped = await queries.latest_comments_of(session, viewer=viewer, ticket_ids=ids,
                                                       count=count) if ids else {}
            values = {i: grouped.get(i, []) for i in ids}
            level.setdefault("TicketComment", []).extend(c for i in ids for c in values[i])
        else:
            relation = COMMENTS if selection.name == "comments" else HISTORY
            if args.get("after") is not None or args.get("before") is not None:
                # A cursor is one ticket's: graphql-core answers every other ticket's refusal.
                raise NotCompiled(f"Ticket.{selection.name} after a cursor")
            try:
                asked = window(relation, 0, PageArgs(first=args.get("first"), last=args.get("last")),
                               context.settings.max_page_size)
            except GroupdeskError:
                raise NotCompiled("arguments refused") from None
            if ids:
                pages = await relations.pages_of(session, viewer=viewer, relation=relation,
                                                 ticket_ids=ids, window=asked)
                totals = await relations.counts_of(session, viewer=viewer, relation=relation,
                                                   ticket_ids=ids) \
                    if _wants(selection, "totalCount") else None
                values = {i: RelationListing(pages[i], None if totals is None else totals.get(i, 0))
                          for i in ids}
                level.setdefault(selection.object_type[:-len("Connection")], []).extend(
                    row for page in pages.values() for row in page.rows)
        fetched.many[selection.number] = values
    return level


async def _relatives(shape: Shape, fetched: Fetched, session: Any,
                     level: Mapping[str, list[Any]]) -> None:
    """Level by level (a ticket's people, then their schools), one statement per kind and level
    for the rows not read yet (those joined to the page are)."""
    while level:
        wanted: dict[Kind, set[int]] = {}
        for type_name, rows in level.items():
            for relation in shape.relations.get(type_name, ()):
                ids = wanted.setdefault(relation.kind, set())
                ids.update(map(attrgetter(relation.column), rows))  # no Python call per row
                ids.discard(None)  # type: ignore[arg-type]  # a relation that is not set
        following: dict[str, list[Any]] = {}
        for kind, ids in wanted.items():
            known = fetched.rows.setdefault(kind, {})
            if missing := ids - known.keys():
                known.update(await rows_by_id(session, kind, missing, shape.columns[kind]))
            # Every row named here, read now or before, has its own relations followed next.
            if shape.relations.get(TYPE_OF_KIND[kind]):
                following.setdefault(TYPE_OF_KIND[kind], []).extend(
                    known[i] for i in ids if i in known)
        level = following
