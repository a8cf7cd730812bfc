"""Two schedulers racing on PostgreSQL, each with its own engine: every threshold escalates once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from server import migrations
from server.db import create_engine, session_factory, writer_session
from server.importing import import_federation
from server.jobs.scheduler import sla_sweep_tick
from server.sla.escalation import escalate_due
from server.sla.models import TicketEscalation
from server.tickets.models import EventKind, Ticket, TicketEvent
from server.tickets.service import open_ticket
from tenants.federation import demo_federation_path, load_federation
from tests.conftest import drop_database, new_database
from tests.sla.test_escalation import BOOKING, BOOKING_CONFLICT
from tests.support.clock import SteppedClock
from tests.tickets.helpers import LYON_AGENT, principal, sub_service_id

pytestmark = pytest.mark.postgres


@dataclass
class Processes:
    """Two server processes' worth of database access: separate engines, separate pools."""

    engines: tuple[AsyncEngine, AsyncEngine]
    sessions: tuple[async_sessionmaker[AsyncSession], async_sessionmaker[AsyncSession]]


@pytest.fixture(scope="module")
async def processes(backend: str, tmp_path_factory: pytest.TempPathFactory
                    ) -> AsyncIterator[Processes]:
    url = await new_database(backend, tmp_path_factory.mktemp("sla-race"))
    engines = (create_engine(url), create_engine(url))
    try:
        await migrations.upgrade(engines[0])
        async with writer_session(session_factory(engines[0])) as session:
            await import_federation(session, load_federation(demo_federation_path()))
        yield Processes(engines, (session_factory(engines[0]), session_factory(engines[1])))
    finally:
        for engine in engines:
            await engine.dispose()
        await drop_database(url)


async def _untaken_ticket(processes: Processes) -> Ticket:
    async with writer_session(processes.sessions[0]) as session:
        return await open_ticket(session, actor=await principal(session, LYON_AGENT), title="Clash",
                                 sub_service_id=await sub_service_id(session, BOOKING_CONFLICT),
                                 request_data=BOOKING)


async def _recorded(processes: Processes, ticket_id: int) -> tuple[int, int, int]:
    async with processes.sessions[1]() as session:
        rows = await session.scalar(select(func.count()).select_from(TicketEscalation)
                                    .where(TicketEscalation.ticket_id == ticket_id))
        events = await session.scalar(select(func.count()).select_from(TicketEvent).where(
            TicketEvent.ticket_id == ticket_id, TicketEvent.kind == EventKind.ESCALATED))
        level = await session.scalar(select(Ticket.escalation_level).where(Ticket.id == ticket_id))
        return rows or 0, events or 0, level or 0


async def test_two_schedulers_ticking_together_escalate_each_threshold_once(processes) -> None:
    ticket = await _untaken_ticket(processes)
    assert ticket.sla_check_at is not None and ticket.take_due_at is not None
    clock = SteppedClock()
    clock.now = ticket.sla_check_at
    ticks = [sla_sweep_tick(processes.sessions[i % 2], clock) for i in range(6)]
    assert sum(await asyncio.gather(*ticks)) == 1
    assert await _recorded(processes, ticket.id) == (1, 1, 1)
    clock.now = ticket.take_due_at
    ticks = [sla_sweep_tick(processes.sessions[i % 2], clock) for i in range(6)]
    assert sum(await asyncio.gather(*ticks)) == 1
    assert await _recorded(processes, ticket.id) == (2, 2, 2)


async def test_the_ticket_lock_and_the_unique_row_hold_without_the_sweep_lock(processes) -> None:
    # Both processes reach the same due ticket (as if the advisory lock had been skipped).
    ticket = await _untaken_ticket(processes)
    assert ticket.take_due_at is not None
    now = ticket.take_due_at

    async def escalate(sessions: async_sessionmaker[AsyncSession]) -> int:
        async with writer_session(sessions) as session:
            return await escalate_due(session, ticket.id, now=now)

    results = await asyncio.gather(*(escalate(processes.sessions[i % 2]) for i in range(4)))
    assert sorted(results) == [0, 0, 0, 2]
    assert await _recorded(processes, ticket.id) == (2, 2, 2)
