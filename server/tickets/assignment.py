"""Routing a ticket to an expert from the database: gather candidates, apply routing.RULES."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import utcnow
from server.identity.models import ExpertDesignation, User
from server.tickets import history
from server.tickets.access import coverage
from server.tickets.models import EventKind, Ticket
from server.tickets.routing import Candidate, DesignationLevel, RoutingDecision, choose_expert
from server.tickets.workflow import OPEN_STATES, SYSTEM, Action, transition
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


async def candidates_for(session: AsyncSession, ticket: Ticket) -> list[Candidate]:
    """Experts whose designation covers the ticket (its sub-service, service or brick), with their
    load: the same coverage rule as visibility and myQueue."""
    covers = coverage(DESIGNATION_PLACE, (ticket.brick_id, ticket.service_id, ticket.sub_service_id))
    rows = (await session.execute(
        select(ExpertDesignation, User).join(User, User.id == ExpertDesignation.user_id)
        .where(covers).order_by(ExpertDesignation.id))).all()
    if not rows:
        return []
    user_ids = sorted({user.id for _, user in rows})
    # The load counts tickets being worked on; recency is when the expert last got a ticket still
    # assigned to them (a reassigned-away ticket no longer counts as theirs).
    loads: dict[int | None, int] = dict((await session.execute(
        select(Ticket.assignee_id, func.count())
        .where(Ticket.assignee_id.in_(user_ids), Ticket.state.in_(sorted(OPEN_STATES)))
        .group_by(Ticket.assignee_id))).all())
    latest: dict[int | None, dt.datetime | None] = dict((await session.execute(
        select(Ticket.assignee_id, func.max(Ticket.assigned_at))
        .where(Ticket.assignee_id.in_(user_ids)).group_by(Ticket.assignee_id))).all())
    return [
        Candidate(user_id=user.id, username=user.username, tenant_id=user.tenant_id,
                  level=_level(designation), open_tickets=loads.get(user.id, 0),
                  last_assigned_at=latest.get(user.id),
                  # An expert who lost the role or left is never chosen.
                  active=user.active and Role.EXPERT in user.roles)
        for designation, user in rows
    ]


async def route(session: AsyncSession, ticket: Ticket, *,
                because: dict[str, Any] | None = None) -> RoutingDecision | None:
    """Assign a queued ticket (NEW or APPROVED) by the routing rules, recording the decision.

    `because` says why the ticket is routed again (its assignee left): its "why" leads the reason.
    """
    decision = choose_expert(await candidates_for(session, ticket),
                             opening_tenant_id=ticket.tenant_id)
    why = f"{because['why']}; " if because else ""
    if decision is None:
        await history.record(session, ticket, EventKind.ROUTED, actor=None,
                             data={**(because or {}), "assignee_id": None, "reason": why + QUEUED_REASON,
                                   "state": ticket.state.value})
        return None
    before = ticket.state
    ticket.state = transition(before, Action.ASSIGN, SYSTEM)
    ticket.assignee_id = decision.user_id
    ticket.assigned_at = utcnow()
    await history.record(session, ticket, EventKind.ROUTED, actor=None, data={
        **(because or {}), "assignee_id": decision.user_id, "assignee": decision.username,
        "level": decision.level.label, "reason": why + decision.reason,
        "from": before.value, "to": ticket.state.value,
    })
    return decision

