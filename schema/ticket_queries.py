"""Root query fields for tickets: one by id or ref, a keyset page, and the rules they follow."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry import relay

from schema.context import Info
from schema.ids import node_id
from schema.types.tickets import Ticket, TicketConnection, TicketState
from server.errors import GroupdeskError, NotFound
from server.tickets import queries, routing, workflow
from tenants import policy


class BadInput(GraphQLError):
    """A query argument that cannot be used (queries have no payload union to carry it)."""

    def __init__(self, exc: GroupdeskError) -> None:
        super().__init__(exc.message, extensions={"code": "BAD_USER_INPUT"})


@strawberry.input(description="Narrow a ticket list; an empty or missing field does not filter.")
class TicketFilter:
    states: list[TicketState] | None = None
    school_ids: list[relay.GlobalID] | None = None
    brick_ids: list[relay.GlobalID] | None = None


def _ids(gids: list[relay.GlobalID] | None, type_name: str) -> frozenset[int]:
    return frozenset(node_id(g, type_name) for g in gids or [])  # type: ignore[misc]


def _filter(given: TicketFilter | None) -> queries.TicketFilter:
    if given is None:
        return queries.TicketFilter()
    return queries.TicketFilter(states=frozenset(given.states or []),
                                tenant_ids=_ids(given.school_ids, "Tenant"),
                                brick_ids=_ids(given.brick_ids, "Brick"))


@strawberry.type
class TicketQuery:
    @strawberry.field(description="One ticket by its global id; null when missing or not visible.")
    async def ticket(self, info: Info, id: relay.GlobalID) -> Ticket | None:
        ctx = info.context
        try:
            ident = node_id(id, "Ticket")
            assert ident is not None
            return Ticket.from_model(await queries.get_ticket(ctx.session, viewer=ctx.viewer,
                                                              ticket_id=ident))
        except NotFound:
            return None

    @strawberry.field(description="One ticket by its ref (GRP-2026-000123); null when not visible.")
    async def ticket_by_ref(self, info: Info, ref: str) -> Ticket | None:
        ctx = info.context
        try:
            return Ticket.from_model(await queries.get_ticket_by_ref(ctx.session, viewer=ctx.viewer,
                                                                     ref=ref))
        except NotFound:
            return None

    @strawberry.field(description="Tickets the viewer may see, newest first, by keyset pages.")
    async def tickets(self, info: Info, first: int | None = None, after: str | None = None,
                      filter: TicketFilter | None = None) -> TicketConnection:
        ctx = info.context
        try:
            page = await queries.list_tickets(
                ctx.session, viewer=ctx.viewer, filter=_filter(filter), first=first, after=after,
                max_page_size=ctx.settings.max_page_size)
        except GroupdeskError as exc:
            raise BadInput(exc) from None
        edges = [relay.Edge(cursor=c, node=Ticket.from_model(t))
                 for t, c in zip(page.tickets, page.cursors, strict=True)]
        return TicketConnection(
            edges=edges, total_count=page.total_count,
            page_info=relay.PageInfo(has_next_page=page.has_next_page,
                                     has_previous_page=page.has_previous_page,
                                     start_cursor=page.cursors[0] if page.cursors else None,
                                     end_cursor=page.cursors[-1] if page.cursors else None))

    @strawberry.field(description="How a new ticket's expert is chosen, in order.")
    def routing_rules(self, info: Info) -> list[str]:
        return list(routing.RULES) if policy.may_read_shared_data(info.context.viewer) else []

    @strawberry.field(description="The ticket state machine: who may do what from which state.")
    def workflow_rules(self, info: Info) -> list[str]:
        return workflow.describe_rules() if policy.may_read_shared_data(info.context.viewer) else []
