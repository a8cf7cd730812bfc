"""Fulfilment status over GraphQL: the federation's list, and `setFulfilment` for automation."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import strawberry
from strawberry import relay

from schema.context import Info
from schema.errors import Conflict, NotFound, PermissionDenied, ValidationFailed, attempt_as
from schema.ids import require_id
from schema.tickets.types import Ticket
from server.tickets import fulfilment

FulfilmentPayload = Annotated[Ticket | NotFound | PermissionDenied | ValidationFailed | Conflict,
                              strawberry.union("FulfilmentPayload")]


@strawberry.type(description="One status of the federation's fulfilment list.")
class FulfilmentStatus:
    code: str
    name: str
    error: bool = strawberry.field(description="An error notifies the ticket's assignee.")


@strawberry.input(description="What automation reports on a ticket's fulfilment; without "
                              "`version`, whatever the ticket's version is now.")
class SetFulfilmentInput:
    ticket_id: relay.GlobalID
    system: str = strawberry.field(description="The reporting system (e.g. SCCM), at most 64 characters.")
    status: str = strawberry.field(description="A code of fulfilmentStatuses.")
    message: str | None = None
    updated_at: dt.datetime | None = strawberry.field(
        default=None, description="When the system saw it; defaults to now.")
    version: int | None = None


@strawberry.type
class FulfilmentQuery:
    @strawberry.field(description="The statuses automation may report on tickets, in order.")
    async def fulfilment_statuses(self, info: Info) -> list[FulfilmentStatus]:
        found = await fulfilment.statuses(info.context.session, viewer=info.context.viewer)
        return [FulfilmentStatus(code=s.code, name=s.name, error=s.error) for s in found]


@strawberry.type
class FulfilmentMutation:
    @strawberry.mutation(description="The school desk's technical account (its deployment tools) "
                                     "or a group admin: record a ticket's fulfilment status; an "
                                     "error status notifies the assignee, and the school's desk "
                                     "gets a public note.")
    async def set_fulfilment(self, info: Info, input: SetFulfilmentInput) -> FulfilmentPayload:
        ctx = info.context

        async def act() -> Any:
            return await fulfilment.set_fulfilment(
                ctx.session, actor=ctx.viewer,
                ticket_id=require_id(input.ticket_id, "Ticket", "ticket", field="ticketId"),
                system=input.system, status=input.status, message=input.message,
                expected_version=input.version, reported_at=input.updated_at)
        return await attempt_as(ctx.session, Ticket.from_model, act, fields={"ticket": "ticketId"})
