"""Routing a ticket to an expert from the database: gather candidates, apply routing.RULES."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import utcnow
from server.pagination import written_limit
from server.identity.models import ExpertDesignation, User
from server.tickets import history
from server.tickets.access import coverage
from server.tickets.models import EventKind, ExpertLoad, Ticket
from server.tickets.routing import Candidate, DesignationLevel, RoutingDecision, choose_expert
from server.tickets.workflow import SYSTEM, Action, TicketState, transition
from tenants.context import Role

QUEUED_REASON = "no designated expert: waiting in the brick's queue"
DESIGNATION_PLACE = (ExpertDesignation.brick_id, ExpertDesignation.service_id,
                     ExpertDesignation.sub_service_id)


def _level(d: ExpertDesignation) -> DesignationLevel:
    if d.sub_service_id is not None:
        return DesignationLevel.SUB_SERVICE
    if d.service_id is not None:
        return DesignationLevel.SERVICE
    return DesignationLevel.BRICK


def _last_assigned(user_id: Any) -> Any:
    """When the expert last got a ticket still assigned to them: one LIMIT 1 lookup on the
    (assignee_id, assigned_at) index, never a scan of their whole history."""
    return (select(Ticket.assigned_at)
            .where(Ticket.assignee_id == user_id, Ticket.assigned_at.is_not(None))
            .order_by(Ticket.assigned_at.desc()).limit(written_limit(1)).scalar_subquery())


# The load counts tickets being worked on, kept per expert by the database (ExpertLoad): one row
# each, not thousands of tickets counted; recency is when the expert last got a ticket still
# assigned to them (a reassigned-away ticket no longer counts as theirs). Built once: an opening
# binds its ticket's place.
_CANDIDATES = (
    select(ExpertDesignation, User, ExpertLoad.open_tickets, _last_assigned(User.id))
    .join(User, User.id == ExpertDesignation.user_id)
    .outerjoin(ExpertLoad, ExpertLoad.user_id == User.id)
    .where(coverage(DESIGNATION_PLACE, (bindparam("brick_id"), bindparam("service_id"),
                                        bindparam("sub_service_id"))))
    .order_by(ExpertDesignation.id))


async def candidates_for(session: AsyncSession, ticket: Ticket) -> list[Candidate]:
    """Experts whose designation covers the ticket (its sub-service, service or brick), with their
    load: the same coverage rule as visibility and myQueue."""
    return [candidate for candidate, _ in await _candidates_with_users(session, ticket)]


async def _candidates_with_users(session: AsyncSession,
                                 ticket: Ticket) -> list[tuple[Candidate, User]]:
    """The candidates and their users, in one statement whatever the number of experts; the
    ticket need not be written yet."""
    rows = (await session.execute(_CANDIDATES, {
        "brick_id": ticket.brick_id, "service_id": ticket.service_id,
        "sub_service_id": ticket.sub_service_id})).all()
    return [
        (Candidate(user_id=user.id, username=user.username, tenant_id=user.tenant_id,
                   level=_level(designation), open_tickets=load or 0,
                   last_assigned_at=_aware(latest),
                   # An expert who lost the role or left is never chosen.
                   active=user.active and Role.EXPERT in user.roles), user)
        for designation, user, load, latest in rows
    ]


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    """A scalar subquery's timestamp comes back raw: SQLite's has no zone (stored in UTC)."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)


async def decide(session: AsyncSession,
                 ticket: Ticket) -> tuple[RoutingDecision | None, User | None]:
    """The expert a queued ticket goes to by the routing rules, and their user (reads only).

    A caller holding the user keeps it in the session, where followers describing the ticket find
    it without another statement."""
    pairs = await _candidates_with_users(session, ticket)
    decision = choose_expert([c for c, _ in pairs], opening_tenant_id=ticket.tenant_id)
    users = {user.id: user for _, user in pairs}
    return decision, users[decision.user_id] if decision is not None else None


def assign(ticket: Ticket, decision: RoutingDecision, *, at: dt.datetime) -> TicketState:
    """Give the ticket to the chosen expert; the state it had before."""
    before = ticket.state
    ticket.state = transition(before, Action.ASSIGN, SYSTEM)
    ticket.assignee_id = decision.user_id
    ticket.assigned_at = at
    return before


async def record_routing(session: AsyncSession, ticket: Ticket, decision: RoutingDecision | None,
                         *, before: TicketState, at: dt.datetime | None = None,
                         because: dict[str, Any] | None = None) -> None:
    """The ROUTED event: who got the ticket and why, or that it waits in the brick's queue.

    `because` says why the ticket is routed again (its assignee left): its "why" leads the reason.
    """
    why = f"{because['why']}; " if because else ""
    if decision is None:
        await history.record(session, ticket, EventKind.ROUTED, actor=None, at=at,
                             data={**(because or {}), "assignee_id": None,
                                   "reason": why + QUEUED_REASON, "state": ticket.state.value})
        return
    await history.record(session, ticket, EventKind.ROUTED, actor=None, at=at, data={
        **(because or {}), "assignee_id": decision.user_id, "assignee": decision.username,
        "level": decision.level.label, "reason": why + decision.reason,
        "from": before.value, "to": ticket.state.value,
    })


async def route(session: AsyncSession, ticket: Ticket, *,
                because: dict[str, Any] | None = None) -> RoutingDecision | None:
    """Assign a queued ticket (NEW or APPROVED) by the routing rules, recording the decision
    (`because`: why it is routed again, see record_routing)."""
    decision, _expert = await decide(session, ticket)
    before = assign(ticket, decision, at=utcnow()) if decision is not None else ticket.state
    await record_routing(session, ticket, decision, before=before, because=because)
    return decision
