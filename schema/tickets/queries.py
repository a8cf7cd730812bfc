"""Root query fields for tickets: one by id or ref, and the rules they follow (lists: ticket_lists)."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry import relay

from schema.context import Info
from schema.ids import node_id
from schema.tickets.types import Ticket
from server.errors import GroupdeskError, NotFound, ValidationFailed
from server.tickets import queries, routing, workflow
from tenants import policy


class BadInput(GraphQLError):
    """A query argument that cannot be used (queries have no payload union to carry it)."""

    def __init__(self, exc: GroupdeskError) -> None:
        extensions: dict[str, object] = {"code": "BAD_USER_INPUT"}
        message = exc.message
        if isinstance(exc, ValidationFailed):
            extensions["fields"] = [{"field": e.field, "message": e.message} for e in exc.errors]
        elif isinstance(exc, NotFound):
            message = exc.public_message()
            if exc.field:
                extensions["fields"] = [{"field": exc.field, "message": message}]
        super().__init__(message, extensions=extensions)


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
        return list(routing.RULES) if policy.may_read_shared_data(info.context.viewer) else []

    @strawberry.field(description="The ticket state machine: who may do what from which state.")
    def workflow_rules(self, info: Info) -> list[str]:
        return workflow.describe_rules() if policy.may_read_shared_data(info.context.viewer) else []
