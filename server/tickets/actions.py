"""The ticket lifecycle: one function applies any workflow action, checked by the state machine."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from server.db import utcnow
from server.errors import ActionNotAllowed, NotFound, ValidationFailed
from server.identity.models import User
from server.tickets import assignment, comments, history
from server.tickets.access import parties_on
from server.tickets.locking import lock_ticket, next_version
from server.tickets.models import TEXT_MAX, CommentSource, EventKind, Ticket, Visibility
from server.tickets.workflow import Action, TicketState, transition
from server.validation import Checks
from tenants.i18n.messages import Message
from tenants.context import Principal, Role

EVENT_OF: dict[Action, EventKind] = {
    Action.TAKE: EventKind.TAKEN,
    Action.ASSIGN: EventKind.ASSIGNED,
    Action.START: EventKind.STATE_CHANGED,
    Action.HOLD: EventKind.PUT_ON_HOLD,
    Action.RESUME: EventKind.STATE_CHANGED,
    Action.RESOLVE: EventKind.RESOLVED,
    Action.REOPEN: EventKind.REOPENED,
    Action.CLOSE: EventKind.CLOSED,
    Action.APPROVE: EventKind.APPROVED,
    Action.REJECT: EventKind.REJECTED,
}


def _check_texts(**texts: str | None) -> None:
    checks = Checks()
    for field, value in texts.items():
        checks.text(field, value, max_len=TEXT_MAX, required=False)
    checks.done()


async def _new_assignee(session: AsyncSession, ticket: Ticket, assignee_id: int | None) -> User:
    if assignee_id is None:
        raise ValidationFailed({"assigneeId": Message("required to assign a ticket")})
    user = await session.get(User, assignee_id)
    if user is None:
        raise NotFound("user", assignee_id)
    if not user.active:
        raise ValidationFailed({"assigneeId": Message("{name} is deactivated", name=user.username)})
    if Role.EXPERT not in user.roles:
        raise ValidationFailed({"assigneeId": Message("{name} does not have the expert role",
                                                       name=user.username)})
    if user.id == ticket.assignee_id:
        raise ValidationFailed({"assigneeId": Message("the ticket is already assigned to {name}",
                                                       name=user.username)})
    return user


async def apply(session: AsyncSession, actor: Principal, ticket: Ticket, action: Action, *,
                 reason: str | None = None, solution: str | None = None,
                 assignee_id: int | None = None, kind: EventKind | None = None,
                 extra: dict[str, Any] | None = None) -> Ticket:
    before = ticket.state
    target = transition(before, action, parties_on(actor, ticket), reason=reason, solution=solution)
    _check_texts(reason=reason, solution=solution)
    data: dict[str, Any] = {"from": before.value, "to": target.value, **(extra or {})}
    now = utcnow()
    if action in (Action.TAKE, Action.ASSIGN):
        user_id = actor.user_id
        if action is Action.ASSIGN:
            user_id = (await _new_assignee(session, ticket, assignee_id)).id
        data |= {"previous_assignee_id": ticket.assignee_id, "assignee_id": user_id}
        ticket.assignee_id, ticket.assigned_at = user_id, now
    if reason is not None and reason.strip():
        data["reason"] = reason.strip()
    if action is Action.RESOLVE:
        assert solution is not None
        ticket.solution, ticket.resolved_at = solution.strip(), now
        data["solution"] = ticket.solution
    elif action is Action.REOPEN:
        ticket.resolved_at = None
    elif action is Action.CLOSE:
        ticket.closed_at = now
    ticket.state = target
    next_version(ticket)
    await history.record(session, ticket, kind or EVENT_OF[action], actor=actor, data=data)
    if target is TicketState.APPROVED:
        await assignment.route(session, ticket)
    return ticket


async def perform(session: AsyncSession, *, actor: Principal, ticket_id: int,
                  action: Action | str, expected_version: int | None, reason: str | None = None,
                  solution: str | None = None, assignee_id: int | None = None) -> Ticket:
    """Apply a workflow action to a ticket the caller sees, at the version the caller saw (None: any)."""
    ticket = await lock_ticket(session, actor, ticket_id, expected_version)
    return await apply(session, actor, ticket, Action(action), reason=reason, solution=solution,
                        assignee_id=assignee_id)


async def answer(session: AsyncSession, *, actor: Principal, ticket_id: int,
                 expected_version: int | None, message: str,
                 source: CommentSource = CommentSource.GROUP) -> Ticket:
    """The school answers the question a ticket waits on: a public comment, and work resumes."""
    ticket = await lock_ticket(session, actor, ticket_id, expected_version)
    # The state machine decides before anything is written, so a refused answer leaves no comment.
    try:
        transition(ticket.state, Action.RESUME, parties_on(actor, ticket))
    except ActionNotAllowed as refused:
        # An answer resumes the work, but the caller asked to answer: name what they asked for.
        pending = ticket.state is TicketState.PENDING
        why = (Message(": only the school that opened it or its assignee answers") if pending
               else Message(": a ticket takes an answer only while it waits on the school (PENDING)"))
        raise ActionNotAllowed("ANSWER", refused.state, refused.allowed, asked="answerTicket (ANSWER)",
                               why=why, reason=refused.reason) from None
    comment = await comments.write(session, actor, ticket, body=message, field="message",
                                   visibility=Visibility.PUBLIC, source=source)
    return await apply(session, actor, ticket, Action.RESUME, kind=EventKind.ANSWERED,
                        extra={"comment_id": comment.id})
