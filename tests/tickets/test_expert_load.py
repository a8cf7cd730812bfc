"""Each expert's open-ticket count (expert_load, kept by triggers) equals the count of their tickets.

Routing reads the maintained count instead of counting; these tests drive random sequences of
openings, workflow actions (taken, reassigned, put on hold, resolved, reopened, closed, approved,
rejected), departures and raw writes, then compare the table with a fresh count.
"""

from __future__ import annotations

import random

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from server.catalog.models import Priority, Service, SubService
from server.db import utcnow
from server.errors import GroupdeskError
from server.identity.departures import Departure
from server.tickets import actions, leavers
from server.tickets.assignment import candidates_for
from server.tickets.models import ExpertLoad, Ticket
from server.tickets.service import open_ticket
from server.tickets.workflow import OPEN_STATES, Action, TicketState
from tests.tickets.helpers import (
    ACCOUNT_CREATION,
    ACCOUNT_REQUEST,
    ADMIN,
    CVL_AGENT,
    LYON_AGENT,
    LYON_EXPERT,
    LYON_MANAGER,
    ROLE_CHANGE,
    ROUEN_EXPERT,
    principal,
    sub_service_id,
    user_id,
)

ROLE_REQUEST = {"account_email": "lead@insa-lyon.example.org", "platform": "scenari-pedagogie",
                "new_role": "publisher"}
PEOPLE = (ADMIN, LYON_EXPERT, ROUEN_EXPERT, LYON_AGENT, LYON_MANAGER)
EXPERTS = (LYON_EXPERT, ROUEN_EXPERT)


async def _counted(session: AsyncSession) -> dict[int, int]:
    rows = await session.execute(
        select(Ticket.assignee_id, func.count()).where(
            Ticket.assignee_id.is_not(None), Ticket.state.in_(sorted(OPEN_STATES)))
        .group_by(Ticket.assignee_id))
    return {user: n for user, n in rows.all()}


async def _kept(session: AsyncSession) -> dict[int, int]:
    rows = await session.execute(select(ExpertLoad.user_id, ExpertLoad.open_tickets))
    return {user: n for user, n in rows.all() if n != 0}


async def _random_step(session: AsyncSession, rng: random.Random, tickets: list[int]) -> None:
    """One random change; a refused one is rolled back to its savepoint, as a request would be."""
    roll = rng.random()
    try:
        async with session.begin_nested():
            if roll < 0.3 or not tickets:
                path, data = rng.choice([(ACCOUNT_CREATION, ACCOUNT_REQUEST), (ROLE_CHANGE, ROLE_REQUEST)])
                ticket = await open_ticket(
                    session, actor=await principal(session, rng.choice((LYON_AGENT, CVL_AGENT))),
                    sub_service_id=await sub_service_id(session, path), title="Load",
                    request_data=data, on_behalf_of_tenant_id=None)
                tickets.append(ticket.id)
            elif roll < 0.9:
                action = rng.choice(list(Action))
                await actions.perform(
                    session, actor=await principal(session, rng.choice(PEOPLE)),
                    ticket_id=rng.choice(tickets), action=action, expected_version=None,
                    reason="because", solution="done",
                    assignee_id=await user_id(session, rng.choice(EXPERTS)))
            elif roll < 0.95:
                who = rng.choice(EXPERTS)
                await leavers.release_tickets(session, Departure(
                    user_id=await user_id(session, who), username=who, why="left"))
            else:
                # A raw write, as a hook or a script could do: the triggers follow it too.
                ticket = await session.get(Ticket, rng.choice(tickets))
                assert ticket is not None
                ticket.assignee_id = await user_id(session, rng.choice(EXPERTS))
                ticket.state = rng.choice(list(TicketState))
                await session.flush()
    except GroupdeskError:
        pass


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_kept_load_equals_the_count_after_random_changes(session: AsyncSession, seed: int) -> None:
    rng = random.Random(seed)
    tickets: list[int] = []
    changed = set()
    for _ in range(60):
        await _random_step(session, rng, tickets)
        session.expunge_all()  # read what the database holds, not what the session remembers
        kept = await _kept(session)
        assert kept == await _counted(session)
        changed.add(tuple(sorted(kept.items())))
    assert len(changed) > 5  # the sequence did move loads around


async def test_a_ticket_written_and_deleted_raw_counts_then_stops_counting(session: AsyncSession) -> None:
    expert = await user_id(session, ROUEN_EXPERT)
    before = (await _kept(session)).get(expert, 0)
    now = utcnow()
    ticket = Ticket(tenant_id=(await principal(session, LYON_AGENT)).tenant_id,
                    opened_by_id=await user_id(session, LYON_AGENT),
                    sub_service_id=await sub_service_id(session, ACCOUNT_CREATION),
                    service_id=None, brick_id=None, title="Raw", description="", priority=Priority.NORMAL,
                    state=TicketState.IN_PROGRESS, request_data={}, escalation_level=0, version=1,
                    ref="GRP-1999-000001", assignee_id=expert, assigned_at=now,
                    created_at=now, updated_at=now)
    sub = await session.get(SubService, ticket.sub_service_id)
    assert sub is not None
    ticket.service_id = sub.service_id
    service = await session.get(Service, sub.service_id)
    assert service is not None
    ticket.brick_id = service.brick_id
    session.add(ticket)
    await session.flush()
    assert (await _kept(session)).get(expert, 0) == before + 1
    await session.delete(ticket)
    await session.flush()
    assert (await _kept(session)).get(expert, 0) == before
    assert await _kept(session) == await _counted(session)


async def test_routing_reads_the_kept_load(session: AsyncSession) -> None:
    agent = await principal(session, LYON_AGENT)
    sub = await sub_service_id(session, ACCOUNT_CREATION)
    first = await open_ticket(session, actor=agent, sub_service_id=sub, title="One",
                              request_data=ACCOUNT_REQUEST)
    assert first.assignee_id is not None
    loads = {c.user_id: c.open_tickets for c in await candidates_for(session, first)}
    assert loads[first.assignee_id] == (await _counted(session))[first.assignee_id] >= 1


@pytest.mark.postgres
async def test_on_postgres_an_opening_takes_its_experts_load_row_only_in_its_last_statement(
        session: AsyncSession, engine: AsyncEngine) -> None:
    """Every opening routed to an expert changes that expert's load row, locked until COMMIT, and
    every opening of a brick goes to the same few experts: like the ref counter's row, it is taken
    by the opening's last statement, so concurrent openings do not queue on it for their whole
    transaction (server.tickets.refs.settle)."""
    agent = await principal(session, LYON_AGENT)
    sub = await sub_service_id(session, ACCOUNT_CREATION)
    async with engine.connect() as holder:
        await holder.begin()
        # Another transaction holds every expert's load row: written, not committed.
        await holder.execute(text(
            "INSERT INTO expert_load (user_id, open_tickets) SELECT id, 0 FROM user_account "
            "ON CONFLICT (user_id) DO UPDATE SET open_tickets = expert_load.open_tickets"))
        # The opening gives up on the first statement that waits for one of those rows.
        await session.execute(text("SET LOCAL lock_timeout = '100ms'"))
        with pytest.raises(DBAPIError) as stopped:
            await open_ticket(session, actor=agent, sub_service_id=sub, title="Waits last",
                              request_data=ACCOUNT_REQUEST)
        await holder.rollback()
    assert "lock timeout" in str(stopped.value.orig), stopped.value
    # Every statement before it ran without waiting: the ticket, its history, its followers.
    assert "ticket_counter" in str(stopped.value.statement), stopped.value.statement
