"""Changes outside the state machine: priority and escalation."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from server.catalog.models import Priority
from server.errors import ActionNotAllowed, PermissionDenied, ValidationFailed
from server.tickets import history
from server.tickets.access import parties_on
from server.tickets.locking import lock_ticket, next_version
from server.tickets.models import TEXT_MAX, EventKind, Ticket
from server.tickets.workflow import TERMINAL_STATES, TicketState, allowed_actions
from server.validation import Checks
from tenants import policy
from tenants.context import Principal
from tenants.policy import Party
from tenants.i18n.messages import Message

SET_PRIORITY = "SET_PRIORITY"
ESCALATE = "ESCALATE"


def _refuse_when_done(ticket: Ticket, played: frozenset[Party], what: str,
                      done: frozenset[TicketState] = TERMINAL_STATES) -> None:
    if ticket.state in done:
        allowed = allowed_actions(ticket.state, played)
        raise ActionNotAllowed(what, ticket.state.value, [a.value for a in allowed])


async def set_priority(session: AsyncSession, *, actor: Principal, ticket_id: int,
                       expected_version: int, priority: Priority | str) -> Ticket:
    """Change a ticket's priority; setting the priority it already has changes nothing."""
    ticket = await lock_ticket(session, actor, ticket_id, expected_version)
    who = parties_on(actor, ticket)
    if not policy.may_set_priority(who):
        raise PermissionDenied(Message("the priority is changed by the opening school, the experts of the "
                                       "brick, the assignee or a group admin"))
    _refuse_when_done(ticket, who, SET_PRIORITY)
    try:
        wanted = Priority(priority)
    except ValueError:
        raise ValidationFailed({"priority": Message("must be one of {values}", values=", ".join(
            p.value for p in Priority))}) from None
    if wanted is ticket.priority:
        return ticket
    before = ticket.priority
    ticket.priority = wanted
    next_version(ticket)
    await history.record(session, ticket, EventKind.PRIORITY_CHANGED, actor=actor,
                         data={"from": before.value, "to": wanted.value})
    return ticket


async def escalate(session: AsyncSession, *, actor: Principal, ticket_id: int,
                   expected_version: int, reason: str) -> Ticket:
    """Raise the ticket's escalation level by one, with the reason; escalation is not a state."""
    ticket = await lock_ticket(session, actor, ticket_id, expected_version)
    who = parties_on(actor, ticket)
    if not policy.may_escalate(who):
        raise PermissionDenied(Message("a ticket is escalated by the opening school or a group admin"))
    _refuse_when_done(ticket, who, ESCALATE, TERMINAL_STATES | {TicketState.RESOLVED})
    checks = Checks()
    checks.text("reason", reason, max_len=TEXT_MAX)
    checks.done()
    ticket.escalation_level += 1
    next_version(ticket)
    await history.record(session, ticket, EventKind.ESCALATED, actor=actor,
                         data={"level": ticket.escalation_level, "reason": reason.strip()})
    return ticket
