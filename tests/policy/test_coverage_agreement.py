"""One rule, four readings: whether a caller may see a ticket, may take it, finds it in myQueue, and
may be chosen by routing for it all follow from the same designations, pure and in SQL alike.

Hypothesis draws designations on a small fixed catalogue (two bricks of the demo federation, at
brick, service and sub-service level), a caller with roles at a school, and tickets on sub-services
in any state, for either school, assigned to the caller, to someone else or to nobody. For each
ticket the pure policy (tenants/policy.py with the workflow table) is compared with what the
database answers: the visibility filter, internal comments, myQueue, a real takeTicket, and
routing's candidates. Each example runs in a savepoint rolled back afterwards.
"""

from __future__ import annotations

import itertools
import uuid
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.catalog.models import Brick, Priority, Service, SubService
from server.errors import ActionNotAllowed, NotFound
from server.identity.auth import principal_of
from server.identity.models import ExpertDesignation, Tenant, User
from server.tickets import actions
from server.tickets.access import facts_of, shows_internal, visible_tickets
from server.tickets.assignment import candidates_for
from server.tickets.listing import PageArgs
from server.tickets.models import Ticket
from server.tickets.queue import my_queue
from server.tickets.workflow import OPEN_STATES, QUEUED_STATES, Action, TicketState, allowed_actions
from tenants import policy
from tenants.context import Designation, Principal, Role
from tenants.policy import Party

BRICKS = ("scenari", "partage")
SCHOOLS = ("insa-lyon", "insa-rennes")
ROLE_SETS = ([Role.EXPERT], [Role.EXPERT, Role.SCHOOL_AGENT], [Role.SCHOOL_AGENT],
             [Role.SCHOOL_MANAGER], [Role.DESK_INTEGRATION])
_refs = itertools.count(1)


async def _catalogue(session: AsyncSession) -> list[tuple[int, int, int]]:
    """Every (brick, service, sub-service) of the chosen bricks: the places tickets are opened on."""
    rows = await session.execute(
        select(Brick.id, Service.id, SubService.id)
        .join(Service, Service.brick_id == Brick.id).join(SubService, SubService.service_id == Service.id)
        .where(Brick.code.in_(BRICKS)).order_by(SubService.id))
    return [tuple(row) for row in rows]  # type: ignore[misc]


def _designation(place: tuple[int, int, int], level: int) -> Designation:
    brick, service, sub = place
    return Designation(brick, service if level >= 1 else None, sub if level == 2 else None)


async def _caller(session: AsyncSession, data: Any, places: list[tuple[int, int, int]],
                  tenants: dict[str, Tenant]) -> tuple[User, Principal]:
    roles = data.draw(st.sampled_from(ROLE_SETS), label="roles")
    school = tenants[data.draw(st.sampled_from(SCHOOLS), label="caller's school")]
    name = f"prop.{uuid.uuid4().hex[:10]}"
    user = User(tenant_id=school.id, issuer="urn:groupdesk:local", subject=name, username=name,
                email=None, display_name=name, role_names=[r.value for r in roles], active=True,
                technical=Role.DESK_INTEGRATION in roles)
    session.add(user)
    await session.flush()
    # Designations are made for the user even without the expert role: they must then count for nothing.
    chosen = data.draw(st.lists(st.tuples(st.sampled_from(places), st.integers(0, 2)), max_size=3),
                       label="designations")
    for designation in {_designation(place, level) for place, level in chosen}:
        session.add(ExpertDesignation(
            user_id=user.id, brick_id=designation.brick_id, service_id=designation.service_id,
            sub_service_id=designation.sub_service_id,
            scope=ExpertDesignation.scope_of(designation.brick_id, designation.service_id,
                                             designation.sub_service_id)))
    await session.flush()
    return user, await principal_of(session, user, school)


async def _tickets(session: AsyncSession, data: Any, places: list[tuple[int, int, int]],
                   tenants: dict[str, Tenant], me: int, someone_else: int) -> list[Ticket]:
    made = []
    for _ in range(data.draw(st.integers(1, 4), label="tickets")):
        brick, service, sub = data.draw(st.sampled_from(places), label="place")
        state = data.draw(st.sampled_from(list(TicketState)), label="state")
        assignee = None
        if state not in QUEUED_STATES | {TicketState.WAITING_FOR_APPROVAL}:
            assignee = data.draw(st.sampled_from([me, someone_else]), label="assignee")
        ticket = Ticket(
            ref=f"GRP-2001-{next(_refs):06d}", tenant_id=tenants[data.draw(st.sampled_from(SCHOOLS))].id,
            opened_by_id=someone_else, brick_id=brick, service_id=service, sub_service_id=sub,
            title="Property", description="", priority=Priority.NORMAL, state=state, request_data={},
            assignee_id=assignee, escalation_level=0, version=1)
        session.add(ticket)
        made.append(ticket)
    await session.flush()
    return made


async def _took(session: AsyncSession, caller: Principal, ticket: Ticket) -> bool:
    """Whether a real takeTicket by the caller goes through (rolled back either way)."""
    savepoint = await session.begin_nested()
    try:
        await actions.perform(session, actor=caller, ticket_id=ticket.id, action=Action.TAKE,
                              expected_version=ticket.version)
        return True
    except (ActionNotAllowed, NotFound):
        return False
    finally:
        await savepoint.rollback()
        await session.refresh(ticket)  # the rollback expired what the take changed


async def _check(session: AsyncSession, caller: Principal, tickets: list[Ticket]) -> None:
    ids = [t.id for t in tickets]
    scope = policy.ticket_scope(caller)
    seen = set(await session.scalars(select(Ticket.id).where(Ticket.id.in_(ids), visible_tickets(scope))))
    internal = set(await session.scalars(select(Ticket.id).where(
        Ticket.id.in_(ids), visible_tickets(scope), shows_internal(scope))))
    queue = {t.id for t in (await my_queue(session, viewer=caller, page=PageArgs(first=100))).tickets}
    for ticket in tickets:
        facts = facts_of(ticket)
        played = policy.parties(caller, facts)
        may_see = policy.may_see(caller, facts)
        may_take = Action.TAKE in allowed_actions(ticket.state, played)
        covering = Party.COVERING_EXPERT in played
        where = f"ticket {ticket.state} on {facts.place} for {ticket.tenant_id}, parties {sorted(played)}"
        assert (ticket.id in seen) is may_see, f"SQL visibility disagrees: {where}"
        assert (ticket.id in internal) is (may_see and scope.sees_internal(facts)), where
        assert not may_take or may_see, f"may take what it may not see: {where}"
        in_queue = may_take or (ticket.assignee_id == caller.user_id and ticket.state in OPEN_STATES)
        assert (ticket.id in queue) is in_queue, f"myQueue disagrees: {where}"
        assert await _took(session, caller, ticket) is may_take, f"takeTicket disagrees: {where}"
        candidates = {c.user_id for c in await candidates_for(session, ticket) if c.active}
        assert (caller.user_id in candidates) is covering, f"routing disagrees: {where}"
        if ticket.state in QUEUED_STATES:
            assert may_take is covering, where


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
async def test_see_take_queue_and_routing_agree(session: AsyncSession, data: st.DataObject) -> None:
    places = await _catalogue(session)
    assert len({p[0] for p in places}) == 2 and len(places) > 4
    tenants = {t.slug: t for t in await session.scalars(select(Tenant).where(Tenant.slug.in_(SCHOOLS)))}
    someone_else = await session.scalar(select(User.id).where(User.username == "celeste.morvandieu"))
    assert someone_else is not None
    savepoint = await session.begin_nested()
    try:
        user, caller = await _caller(session, data, places, tenants)
        tickets = await _tickets(session, data, places, tenants, user.id, someone_else)
        await _check(session, caller, tickets)
    finally:
        await savepoint.rollback()
