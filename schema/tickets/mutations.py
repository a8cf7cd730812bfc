"""Ticket mutations: decode ids, call the ticket service, return a payload union."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Annotated, Any

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from schema.context import Info
from schema.errors import (
    ActionNotAllowed,
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    attempt,
    attempt_as,
)
from schema.ids import node_id, require_id
from schema.catalog.types import Priority
from schema.tickets.types import Ticket, TicketComment, Visibility
from server.tickets import actions, approval, changes, comments, idempotency, service
from server.tickets import models as ticket_models
from server.tickets.workflow import Action

TicketPayload = Annotated[
    Ticket | NotFound | PermissionDenied | ValidationFailed | Conflict | ActionNotAllowed,
    strawberry.union("TicketPayload")]
OpenTicketPayload = Annotated[Ticket | NotFound | PermissionDenied | ValidationFailed | Conflict,
                              strawberry.union("OpenTicketPayload")]


@strawberry.type(description="A comment was added; `ticket` is the ticket at its new version.")
class CommentAdded:
    comment: TicketComment
    ticket: Ticket


CommentPayload = Annotated[
    CommentAdded | NotFound | PermissionDenied | ValidationFailed | Conflict | ActionNotAllowed,
    strawberry.union("CommentPayload")]


@strawberry.input(description="A new ticket. `requestData` fills the sub-service's form.")
class OpenTicketInput:
    sub_service_id: relay.GlobalID
    title: str
    description: str = ""
    priority: Priority | None = strawberry.field(
        default=None, description="Defaults to the sub-service's priority.")
    request_data: JSON | None = None
    local_ref: str | None = strawberry.field(
        default=None, description="The ticket's number in the school's own desk.")
    requester_name: str | None = None
    requester_email: str | None = None
    on_behalf_of: relay.GlobalID | None = strawberry.field(
        default=None, description="The operations centre: the school the ticket is for.")
    client_mutation_id: str | None = strawberry.field(default=None, description=(
        "An idempotency key (or the Idempotency-Key header): a retry with the same key returns the "
        "same ticket instead of opening a second one; another input with the same key is a Conflict. "
        "Keys are the caller's own and hold for 24 hours (GROUPDESK_IDEMPOTENCY_KEY_HOURS)."))


@strawberry.input(description="A ticket and the version the client last saw.")
class TicketChangeInput:
    id: relay.GlobalID
    version: int


@strawberry.input
class AssignTicketInput(TicketChangeInput):
    assignee_id: relay.GlobalID


@strawberry.input(description="Why: the question put to the school, or the reason of a refusal.")
class TicketReasonInput(TicketChangeInput):
    reason: str


@strawberry.input(description="An approval, with the approver's comment (kept with the decision).")
class ApproveTicketInput(TicketChangeInput):
    comment: str | None = None


@strawberry.input
class ReopenTicketInput(TicketChangeInput):
    reason: str | None = None


@strawberry.input
class ResolveTicketInput(TicketChangeInput):
    solution: str


@strawberry.input(description="The school's answer to the question a pending ticket waits on.")
class AnswerTicketInput(TicketChangeInput):
    message: str


@strawberry.input
class SetPriorityInput(TicketChangeInput):
    priority: Priority


@strawberry.input(description="A comment; with `version`, refused if the ticket moved on.")
class AddCommentInput:
    ticket_id: relay.GlobalID
    body: str
    visibility: Visibility = Visibility.PUBLIC
    version: int | None = None


def _ticket_id(gid: relay.GlobalID, field: str = "id") -> int:
    return require_id(gid, "Ticket", "ticket", field=field)


# The argument that names each kind a ticket service may not find.
TICKET_FIELDS = {"ticket": "id", "user": "assigneeId", "sub-service": "subServiceId",
                 "school": "onBehalfOf"}


async def _change(info: Info, call: Callable[[], Awaitable[ticket_models.Ticket]]) -> Any:
    return await attempt_as(info.context.session, Ticket.from_model, call, fields=TICKET_FIELDS)


async def _perform(info: Info, input: TicketChangeInput, action: Action, **kwargs: Any) -> Any:
    ctx = info.context
    return await _change(info, lambda: actions.perform(
        ctx.session, actor=ctx.viewer, ticket_id=_ticket_id(input.id), action=action,
        expected_version=input.version, **kwargs))


@strawberry.type
class TicketMutation:
    @strawberry.mutation(description="School support (or operations for a school): open a ticket.")
    async def open_ticket(self, info: Info, input: OpenTicketInput) -> OpenTicketPayload:
        ctx = info.context

        async def act() -> ticket_models.Ticket:
            arguments: dict[str, Any] = dict(
                sub_service_id=require_id(input.sub_service_id, "SubService", "sub-service",
                                          field="subServiceId"),
                title=input.title, description=input.description,
                priority=input.priority.value if input.priority else None,
                request_data=input.request_data, local_ref=input.local_ref,
                requester_name=input.requester_name, requester_email=input.requester_email,
                on_behalf_of_tenant_id=node_id(input.on_behalf_of, "Tenant", "school", field="onBehalfOf"))
            headers = getattr(ctx.request, "headers", None)
            return await idempotency.open_with_key(
                ctx.session, actor=ctx.viewer, key=input.client_mutation_id,
                header=headers.get("idempotency-key") if headers is not None else None,
                arguments=arguments, ttl=timedelta(hours=ctx.settings.idempotency_key_hours),
                open_ticket=lambda: service.open_ticket(ctx.session, actor=ctx.viewer, **arguments))
        return await _change(info, act)

    @strawberry.mutation(description="A designated expert takes a queued ticket of their brick.")
    async def take_ticket(self, info: Info, input: TicketChangeInput) -> TicketPayload:
        return await _perform(info, input, Action.TAKE)

    @strawberry.mutation(description="Group admins: assign or reassign a ticket to an expert.")
    async def assign_ticket(self, info: Info, input: AssignTicketInput) -> TicketPayload:
        return await _perform(info, input, Action.ASSIGN,
                              assignee_id=require_id(input.assignee_id, "User", "user", field="assigneeId"))

    @strawberry.mutation(description="The assignee starts working on the ticket.")
    async def start_ticket(self, info: Info, input: TicketChangeInput) -> TicketPayload:
        return await _perform(info, input, Action.START)

    @strawberry.mutation(description="The assignee asks the school a question; PENDING meanwhile.")
    async def hold_ticket(self, info: Info, input: TicketReasonInput) -> TicketPayload:
        return await _perform(info, input, Action.HOLD, reason=input.reason)

    @strawberry.mutation(description="The school answers a pending ticket; work resumes.")
    async def answer_ticket(self, info: Info, input: AnswerTicketInput) -> TicketPayload:
        ctx = info.context
        return await _change(info, lambda: actions.answer(
            ctx.session, actor=ctx.viewer, ticket_id=_ticket_id(input.id),
            expected_version=input.version, message=input.message))

    @strawberry.mutation(description="Resume a pending ticket without an answer.")
    async def resume_ticket(self, info: Info, input: TicketChangeInput) -> TicketPayload:
        return await _perform(info, input, Action.RESUME)

    @strawberry.mutation(description="The assignee (or a group admin) resolves with a solution.")
    async def resolve_ticket(self, info: Info, input: ResolveTicketInput) -> TicketPayload:
        return await _perform(info, input, Action.RESOLVE, solution=input.solution)

    @strawberry.mutation(description="Reopen a resolved ticket; it goes back to its assignee.")
    async def reopen_ticket(self, info: Info, input: ReopenTicketInput) -> TicketPayload:
        return await _perform(info, input, Action.REOPEN, reason=input.reason)

    @strawberry.mutation(description="The school (or a group admin) confirms a resolution.")
    async def close_ticket(self, info: Info, input: TicketChangeInput) -> TicketPayload:
        return await _perform(info, input, Action.CLOSE)

    @strawberry.mutation(description="An approver the sub-service names (by default a manager of the "
                                      "opening school) approves; once enough approvers agreed (two "
                                      "above the sub-service's cost threshold), routing follows.")
    async def approve_ticket(self, info: Info, input: ApproveTicketInput) -> TicketPayload:
        ctx = info.context
        return await _change(info, lambda: approval.approve(
            ctx.session, actor=ctx.viewer, ticket_id=_ticket_id(input.id),
            expected_version=input.version, comment=input.comment))

    @strawberry.mutation(description="An approver rejects, with a reason (kept with the decision).")
    async def reject_ticket(self, info: Info, input: TicketReasonInput) -> TicketPayload:
        ctx = info.context
        return await _change(info, lambda: approval.reject(
            ctx.session, actor=ctx.viewer, ticket_id=_ticket_id(input.id),
            expected_version=input.version, reason=input.reason))

    @strawberry.mutation(description="Change a ticket's priority.")
    async def set_priority(self, info: Info, input: SetPriorityInput) -> TicketPayload:
        ctx = info.context
        return await _change(info, lambda: changes.set_priority(
            ctx.session, actor=ctx.viewer, ticket_id=_ticket_id(input.id),
            expected_version=input.version, priority=input.priority.value))

    @strawberry.mutation(description="The school or a group admin escalates a ticket one level.")
    async def escalate_ticket(self, info: Info, input: TicketReasonInput) -> TicketPayload:
        ctx = info.context
        return await _change(info, lambda: changes.escalate(
            ctx.session, actor=ctx.viewer, ticket_id=_ticket_id(input.id),
            expected_version=input.version, reason=input.reason))

    @strawberry.mutation(description="Comment on a ticket; INTERNAL comments for group staff only.")
    async def add_comment(self, info: Info, input: AddCommentInput) -> CommentPayload:
        ctx = info.context

        async def act() -> CommentAdded:
            ticket_id = _ticket_id(input.ticket_id, "ticketId")
            comment = await comments.add_comment(
                ctx.session, actor=ctx.viewer, ticket_id=ticket_id, body=input.body,
                visibility=ticket_models.Visibility(input.visibility.value),
                expected_version=input.version)
            ticket = await ctx.session.get(ticket_models.Ticket, ticket_id)
            return CommentAdded(comment=TicketComment.from_model(comment),
                                ticket=Ticket.from_model(ticket))
        return await attempt(ctx.session, act, fields={"ticket": "ticketId"})
