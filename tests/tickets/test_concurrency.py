"""Real concurrent connections: gapless refs under parallel openings, one winner per version."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from server import migrations
from server.db import create_engine, session_factory, writer_session
from server.errors import Conflict
from server.importing import import_federation
from server.tickets import actions
from server.tickets.models import Ticket, TicketEvent
from server.tickets.service import open_ticket
from server.tickets.workflow import Action
from tenants.context import Principal
from tenants.federation import demo_federation_path, load_federation
from tests.conftest import drop_database, new_database
from tests.tickets.helpers import (
    ACCOUNT_CREATION,
    ACCOUNT_REQUEST,
    LYON_AGENT,
    ROUEN_EXPERT,
    principal,
    sub_service_id,
)


# Openings run at most this many at a time, one per pooled connection: none waits for the pool,
# so a slow machine makes the test slower, never wrong (the property is refs, not speed).
POOL_SIZE = 20


@dataclass
class Database:
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    agent: Principal
    expert: Principal
    sub_service_id: int


@pytest.fixture(scope="module")
async def database(backend: str, tmp_path_factory: pytest.TempPathFactory
                   ) -> AsyncIterator[Database]:
    """A database of its own, committed for real, reached through a pool of connections."""
    url = await new_database(backend, tmp_path_factory.mktemp("concurrency"))
    engine = create_engine(url, pool_size=POOL_SIZE, max_overflow=0) if backend == "postgres" \
        else create_engine(url)
    try:
        await migrations.upgrade(engine)
        sessions = session_factory(engine)
        async with writer_session(sessions) as session:
            await import_federation(session, load_federation(demo_federation_path()))
        async with sessions() as session:
            found = Database(engine, sessions, await principal(session, LYON_AGENT),
                             await principal(session, ROUEN_EXPERT),
                             await sub_service_id(session, ACCOUNT_CREATION))
        yield found
    finally:
        await engine.dispose()
        await drop_database(url)


async def _open_one(db: Database) -> str:
    async with writer_session(db.sessions) as session:
        ticket = await open_ticket(session, actor=db.agent, sub_service_id=db.sub_service_id,
                                   title="Concurrent", request_data=ACCOUNT_REQUEST)
        return ticket.ref


async def _opened_in_parallel(db: Database, count: int) -> list[int]:
    slots = asyncio.Semaphore(POOL_SIZE)

    async def bounded() -> str:
        async with slots:
            return await _open_one(db)

    refs = await asyncio.gather(*(bounded() for _ in range(count)))
    assert len(set(refs)) == count
    return sorted(int(ref.rsplit("-", 1)[1]) for ref in refs)


@pytest.mark.long
@pytest.mark.postgres
async def test_500_parallel_openings_get_500_consecutive_refs_on_postgres(db: Database) -> None:
    numbers = await _opened_in_parallel(db, 500)
    assert numbers == list(range(numbers[0], numbers[0] + 500))
    async with db.sessions() as session:
        stored = await session.scalar(select(func.count(func.distinct(Ticket.ref))))
        assert stored is not None and stored >= 500


async def test_parallel_openings_get_consecutive_refs(db: Database) -> None:
    numbers = await _opened_in_parallel(db, 25)
    assert numbers == list(range(numbers[0], numbers[0] + 25))


async def _until_both_wait(db: Database) -> None:
    """Return once both racers are blocked behind the holder.

    PostgreSQL says so. SQLite cannot, and need not: its writers queue on one database lock, so
    whichever racer goes second finds version 2 however the two were scheduled.
    """
    if db.engine.dialect.name != "postgresql":
        return
    async with db.engine.connect() as conn:
        deadline = asyncio.get_running_loop().time() + 120
        while asyncio.get_running_loop().time() < deadline:
            waiting = await conn.scalar(text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"))
            if waiting == 2:
                return
            await conn.rollback()  # pg_stat_activity is a snapshot per transaction
            await asyncio.sleep(0.02)
    raise AssertionError("the two writers never both waited on the ticket")


async def test_of_two_writers_at_the_same_version_exactly_one_wins(db: Database) -> None:
    async with writer_session(db.sessions) as session:
        ticket = await open_ticket(session, actor=db.agent, sub_service_id=db.sub_service_id,
                                   title="Race", request_data=ACCOUNT_REQUEST)

    async def write(action: Action, **kwargs: str) -> str:
        try:
            async with writer_session(db.sessions) as session:
                await actions.perform(session, actor=db.expert, ticket_id=ticket.id,
                                      action=action, expected_version=1, **kwargs)
            return "won"
        except Conflict as exc:
            assert exc.current_version == 2
            return "conflict"

    # A third transaction holds the ticket while both writers start from version 1, so that
    # they really run at the same time instead of one after the other.
    async with writer_session(db.sessions) as holder:
        await holder.execute(select(Ticket.id).where(Ticket.id == ticket.id).with_for_update())
        racers = [asyncio.create_task(write(Action.START)),
                  asyncio.create_task(write(Action.RESOLVE, solution="done"))]
        await _until_both_wait(db)
    assert sorted(await asyncio.gather(*racers)) == ["conflict", "won"]
    async with db.sessions() as session:
        stored = await session.get(Ticket, ticket.id)
        assert stored is not None and stored.version == 2
        events = await session.scalar(select(func.count()).select_from(TicketEvent)
                                      .where(TicketEvent.ticket_id == ticket.id))
        assert events == 3  # opened, routed, and the winner's change only


@pytest.fixture
def db(database: Database) -> Database:
    return database
