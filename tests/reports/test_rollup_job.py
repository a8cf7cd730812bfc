"""The roll-up's job: the scheduler's tick, the backfill's steps, one process at a time on PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from server import migrations
from server.config import Settings
from server.db import create_engine, session_factory, writer_session
from server.importing import import_federation
from server.jobs.scheduler import STATS_ROLLUP_JOB, build_scheduler, stats_rollup_tick
from server.reports.models import stats_day, stats_dirty_day, stats_rollup_state
from server.sla.models import SlaLevel, SlaTarget, TicketEscalation
from server.tickets.models import Ticket
from server.reports.rollup import RollupRun, backfill, take_rollup_lock
from tenants.federation import demo_federation_path, load_federation
from tests.conftest import drop_database, new_database
from tests.reports.known_tickets import load_known_tickets


def test_the_scheduler_rolls_up_on_every_tick(settings: Settings,
                                              sessions: async_sessionmaker[AsyncSession]) -> None:
    scheduler = build_scheduler(settings.model_copy(update={"tick_seconds": 300}), sessions)
    assert scheduler is not None
    job = scheduler.get_job(STATS_ROLLUP_JOB)
    assert job is not None and job.trigger.interval == dt.timedelta(seconds=300)


async def test_the_tick_and_the_backfill_roll_up_every_complete_day_once(
        sessions: async_sessionmaker[AsyncSession]) -> None:
    async with writer_session(sessions) as session:
        await load_known_tickets(session)  # 20 February to 21 March 2020
    # The tick rolls up at most a batch of days; the backfill the rest, step by step.
    assert await stats_rollup_tick(sessions, lambda: dt.datetime(2020, 6, 1, 10, tzinfo=dt.UTC)) == 60
    steps: list[RollupRun] = []
    last = await backfill(sessions, today=dt.date(2020, 6, 1), days_per_step=20, progress=steps.append)
    assert [(s.added, s.remaining) for s in steps] == [(20, 22), (20, 2), (2, 0)]
    assert last.rolled_until == dt.date(2020, 6, 1)
    async with sessions() as session:
        assert await session.scalar(select(stats_rollup_state.c.rolled_until)) == dt.date(2020, 6, 1)
        rows = await session.scalar(select(func.count()).select_from(stats_day))
    assert rows
    # Nothing left: a tick builds nothing and changes nothing.
    assert await stats_rollup_tick(sessions, lambda: dt.datetime(2020, 6, 1, 23, tzinfo=dt.UTC)) == 0
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(stats_day)) == rows


@pytest.fixture(scope="module")
async def engines(backend: str, tmp_path_factory: pytest.TempPathFactory
                  ) -> AsyncIterator[tuple[AsyncEngine, AsyncEngine]]:
    url = await new_database(backend, tmp_path_factory.mktemp("rollup-race"))
    pair = (create_engine(url), create_engine(url))
    try:
        await migrations.upgrade(pair[0])
        async with writer_session(session_factory(pair[0])) as session:
            await import_federation(session, load_federation(demo_federation_path()))
            await load_known_tickets(session)
        yield pair
    finally:
        for engine in pair:
            await engine.dispose()
        await drop_database(url)


@pytest.mark.postgres
async def test_a_second_process_leaves_the_roll_up_to_the_first(engines: tuple[AsyncEngine, AsyncEngine]) -> None:
    first, second = (session_factory(e) for e in engines)
    async with first() as holder:
        assert await take_rollup_lock(holder)
        assert await stats_rollup_tick(second, lambda: dt.datetime(2020, 6, 1, tzinfo=dt.UTC)) == 0
        assert not (await backfill(second, today=dt.date(2020, 6, 1))).locked
        await holder.rollback()
    assert (await backfill(second, today=dt.date(2020, 6, 1))).rolled_until == dt.date(2020, 6, 1)


async def test_changes_of_the_current_day_mark_nothing_changes_of_past_days_mark_them(
        sessions: async_sessionmaker[AsyncSession]) -> None:
    """Openings and the day's changes never write a mark (nor wait on one another for it): the
    current day is never rolled up. A change reaching back to a past day marks that day."""
    async with writer_session(sessions) as session:
        known = await load_known_tickets(session)  # 20 February to 21 March 2020
    async with writer_session(sessions) as session:
        marked = set((await session.execute(select(stats_dirty_day.c.day))).scalars())
        assert dt.date(2020, 3, 10) in marked
        await session.execute(delete(stats_dirty_day))
    now = dt.datetime.now(dt.UTC)
    async with writer_session(sessions) as session:
        # T3 (created and taken on 10 March 2020) moved to now: its old day and its taking's day
        # are marked, the current day is not.
        await session.execute(update(Ticket).where(Ticket.id == known.tickets["T3"])
                              .values(created_at=now, updated_at=now))
        # An escalation of the current day marks nothing.
        await session.execute(insert(TicketEscalation).values(
            ticket_id=known.tickets["T2"], target=SlaTarget.RESOLVE, level=SlaLevel.WARNING,
            elapsed_business_seconds=60.0, due_at=now, created_at=now))
    async with sessions() as session:
        marked = set((await session.execute(select(stats_dirty_day.c.day))).scalars())
    assert marked == {dt.date(2020, 3, 10)}
