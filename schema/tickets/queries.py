"""Root query fields for tickets: one by id or ref, and the rules they follow (lists: schema.tickets.lists)."""

from __future__ import annotations

import strawberry
from strawberry import relay

from schema.context import Info
from schema.ids import node_id
from schema.tickets.types import Ticket
from server.errors import NotFound
from server.tickets import queries, rules


@strawberry.type
class TicketQuery:
    @strawberry.field(description="One ticket by its global id; null when missing or not visible.")
    async def ticket(self, info: Info, id: relay.GlobalID) -> Ticket | None:
        ctx = info.context
        try:
            ident = node_id(id, "Ticket", field="id")
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

    @strawberry.field(description="How a new ticket's expert is chosen, in order.")
    def routing_rules(self, info: Info) -> list[str]:
        return rules.routing_rules(info.context.viewer)

    @strawberry.field(description="The ticket state machine: who may do what from which state.")
    def workflow_rules(self, info: Info) -> list[str]:
        return rules.workflow_rules(info.context.viewer)
