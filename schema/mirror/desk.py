"""Mutations for a school's desk-integration account: its own school's tickets only."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay

from schema.context import Info
from schema.errors import ActionNotAllowed, NotFound, PermissionDenied, ValidationFailed, attempt
from schema.ids import require_id
from schema.tickets.types import Ticket
from server.mirror import inbound

DeskActionPayload = Annotated[
    Ticket | NotFound | PermissionDenied | ValidationFailed | ActionNotAllowed,
    strawberry.union("DeskActionPayload")]


@strawberry.type
class DeskMutation:
    @strawberry.mutation(description="Desk-integration accounts: record the local ticket's ref on a "
                                     "ticket of their school (a mirror not yet created adopts it).")
    async def link_local_ticket(self, info: Info, ticket_id: relay.GlobalID, local_ref: str,
                                event_id: str | None = None) -> DeskActionPayload:
        ctx = info.context

        async def act() -> Ticket:
            received = await inbound.receive(
                ctx.session, actor=ctx.viewer, kind=inbound.DeskEventKind.LINKED, event_id=event_id,
                ticket_id=require_id(ticket_id, "Ticket", "ticket", field="ticketId"), local_ref=local_ref)
            return Ticket.from_model(received.ticket)
        return await attempt(ctx.session, act, fields={"ticket": "ticketId"})

    @strawberry.mutation(description="Desk-integration accounts: a public comment from the school's "
                                     "desk; it answers the question when the ticket is PENDING. "
                                     "`eventId` (the desk's own id) makes a re-send harmless.")
    async def add_desk_comment(self, info: Info, ticket_id: relay.GlobalID, message: str,
                               author: str | None = None,
                               event_id: str | None = None) -> DeskActionPayload:
        ctx = info.context

        async def act() -> Ticket:
            received = await inbound.receive(
                ctx.session, actor=ctx.viewer, kind=inbound.DeskEventKind.COMMENTED,
                event_id=event_id, ticket_id=require_id(ticket_id, "Ticket", "ticket", field="ticketId"),
                message=message, author=author)
            await ctx.session.refresh(received.ticket)
            return Ticket.from_model(received.ticket)
        return await attempt(ctx.session, act, fields={"ticket": "ticketId"})
