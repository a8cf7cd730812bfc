"""Approving a request: who approves (the sub-service names them), its cost, and a second approval.

When a ticket that needs approval is opened, `approval_request` fixes what approving it takes: the
approvers the sub-service names (tenants.context.ApprovalRule; by default the opening school's
managers), the cost read from the form's cost field, and whether that cost is above the sub-service's
threshold, which makes two approvals by two different people necessary. Each decision is kept with its
comment (TicketApproval). The first of two approvals leaves the ticket WAITING_FOR_APPROVAL with an
APPROVED event saying one more is needed; the last one approves it and routing follows.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.catalog.models import SubService
from server.errors import ActionNotAllowed
from server.tickets import actions, history
from server.tickets.access import parties_on
from server.tickets.locking import lock_ticket, next_version
from server.tickets.models import TEXT_MAX, ApprovalDecision, EventKind, Ticket, TicketApproval
from server.tickets.workflow import Action, transition
from server.validation import Checks
from tenants.context import ApprovalRule, Principal
from tenants.i18n.messages import Message


def cost_of(request_data: dict[str, Any], cost_field: str | None) -> float | None:
    """The number the form's cost field holds, or None (no cost field, or no number in it)."""
    if not cost_field:
        return None
    value = request_data.get(cost_field)
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        return float(value)
    except ValueError:
        return None


def approval_request(sub: SubService, request_data: dict[str, Any]) -> dict[str, Any] | None:
    """What approving a ticket opened on `sub` takes, as stored on the ticket; None without approval."""
    if not sub.requires_approval:
        return None
    cost = cost_of(request_data, sub.cost_field)
    threshold = sub.second_approval_above
    needed = 2 if cost is not None and threshold is not None and cost > threshold else 1
    return {"approvers": ApprovalRule.from_data(sub.approvers).as_data(), "cost_field": sub.cost_field,
            "cost": cost, "second_approval_above": threshold, "needed": needed}


async def decisions_on(session: AsyncSession, ticket_id: int) -> list[TicketApproval]:
    """The approvers' decisions on a ticket, oldest first."""
    return list(await session.scalars(select(TicketApproval).where(TicketApproval.ticket_id == ticket_id)
                                      .order_by(TicketApproval.id)))


def _comment(comment: str | None) -> str | None:
    checks = Checks()
    checks.text("comment", comment, max_len=TEXT_MAX, required=False)
    checks.done()
    return comment.strip() if comment is not None and comment.strip() else None


async def approve(session: AsyncSession, *, actor: Principal, ticket_id: int,
                  expected_version: int | None, comment: str | None = None) -> Ticket:
    """One approver's approval; the ticket is APPROVED (and routed) once enough approvers agreed."""
    ticket = await lock_ticket(session, actor, ticket_id, expected_version)
    # The state machine and the approvers decide first: a refused caller learns nothing more.
    transition(ticket.state, Action.APPROVE, parties_on(actor, ticket))
    text = _comment(comment)
    request = ticket.approval or {}
    needed = int(request.get("needed", 1))
    given = [d for d in await decisions_on(session, ticket.id) if d.decision is ApprovalDecision.APPROVED]
    if any(d.approver_id == actor.user_id for d in given):
        raise ActionNotAllowed(Action.APPROVE.value, ticket.state.value, [], reason=ActionNotAllowed.ROLE,
                               who=Message("a second approver"),
                               why=Message(": you gave the first approval and the cost needs another "
                                           "person's"))
    session.add(TicketApproval(ticket_id=ticket.id, approver_id=actor.user_id,
                               decision=ApprovalDecision.APPROVED, comment=text,
                               api_token_id=actor.api_token_id))
    step = {"approval": len(given) + 1, "of": needed, "cost": request.get("cost")}
    if text is not None:
        step["comment"] = text
    if len(given) + 1 < needed:
        next_version(ticket)
        await history.record(session, ticket, EventKind.APPROVED, actor=actor, data={
            **step, "from": ticket.state.value, "to": ticket.state.value,
            "waiting_for": "a second approver: the cost is above "
                           f"{request.get('second_approval_above')}"})
        return ticket
    return await actions.apply(session, actor, ticket, Action.APPROVE, extra=step)


async def reject(session: AsyncSession, *, actor: Principal, ticket_id: int,
                 expected_version: int | None, reason: str) -> Ticket:
    """An approver rejects the request with a reason, kept with the decisions."""
    ticket = await lock_ticket(session, actor, ticket_id, expected_version)
    transition(ticket.state, Action.REJECT, parties_on(actor, ticket), reason=reason)
    session.add(TicketApproval(ticket_id=ticket.id, approver_id=actor.user_id,
                               decision=ApprovalDecision.REJECTED, comment=_comment(reason),
                               api_token_id=actor.api_token_id))
    return await actions.apply(session, actor, ticket, Action.REJECT, reason=reason)
