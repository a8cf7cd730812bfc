"""Database set-up: SQLite behaves like a server database where it matters; times are UTC."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import text

from server.db import create_engine, session_factory, utcnow, writer_session
from server.identity.models import Tenant
from tenants.context import TenantKind


async def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'p.db'}")
    try:
        async with engine.connect() as conn:
            assert (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar() == "wal"
            assert (await conn.exec_driver_sql("PRAGMA foreign_keys")).scalar() == 1
            assert (await conn.exec_driver_sql("PRAGMA busy_timeout")).scalar() == 30000
    finally:
        await engine.dispose()


def test_an_in_memory_sqlite_database_is_refused() -> None:
    with pytest.raises(ValueError, match="in-memory"):
        create_engine("sqlite+aiosqlite:///:memory:")


async def test_timestamps_come_back_in_utc_whatever_zone_they_were_given_in(session) -> None:
    paris = dt.timezone(dt.timedelta(hours=1))
    given = dt.datetime(2026, 3, 1, 10, 30, tzinfo=paris)
    tenant = Tenant(slug="tz-test", name="TZ", kind=TenantKind.SCHOOL, active=True, created_at=given)
    session.add(tenant)
    await session.flush()
    session.expunge_all()
    loaded = await session.get(Tenant, tenant.id)
    assert loaded.created_at == given
    assert loaded.created_at.tzinfo == dt.UTC
    assert loaded.created_at.hour == 9


async def test_a_naive_datetime_is_refused_rather_than_guessed(session) -> None:
    session.add(Tenant(slug="naive", name="N", kind=TenantKind.SCHOOL, active=True,
                       created_at=dt.datetime(2026, 1, 1)))
    with pytest.raises(Exception, match="naive datetime"):
        await session.flush()


async def test_concurrent_sqlite_writers_wait_instead_of_failing_busy(tmp_path: Path) -> None:
    """Read-then-write transactions in WAL: without BEGIN IMMEDIATE the second one fails at once."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'w.db'}")
    sessions = session_factory(engine)
    try:
        async with engine.begin() as conn:
            await conn.exec_driver_sql("CREATE TABLE counter (n INTEGER NOT NULL)")
            await conn.exec_driver_sql("INSERT INTO counter VALUES (0)")

        async def bump() -> None:
            async with writer_session(sessions) as s:
                n = (await s.execute(text("SELECT n FROM counter"))).scalar_one()
                await asyncio.sleep(0.01)  # let the others read too, if they could
                await s.execute(text("UPDATE counter SET n = :n"), {"n": n + 1})

        await asyncio.gather(*(bump() for _ in range(10)))
        async with sessions() as s:
            assert (await s.execute(text("SELECT n FROM counter"))).scalar_one() == 10
    finally:
        await engine.dispose()


def test_utcnow_is_aware() -> None:
    assert utcnow().tzinfo == dt.UTC
