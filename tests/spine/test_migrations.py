"""The migrations are the only way a schema is built: they must match the models and go both ways."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncEngine

from server import migrations
from server.db import Base, create_engine
from tests.conftest import drop_database, new_database


@pytest.fixture
async def empty_engine(backend: str, tmp_path) -> AsyncIterator[AsyncEngine]:
    url = await new_database(backend, tmp_path)
    eng = create_engine(url)
    try:
        yield eng
    finally:
        await eng.dispose()
        await drop_database(url)


async def _tables(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as conn:
        return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))


async def test_upgrade_to_head_then_models_and_migrations_agree(empty_engine: AsyncEngine) -> None:
    await migrations.upgrade(empty_engine)
    assert await migrations.current_revision(empty_engine) == migrations.head_revision()

    def diff(conn):
        context = MigrationContext.configure(conn, opts={"compare_type": True,
                                                         "include_name": migrations.include_name})
        return compare_metadata(context, Base.metadata)

    async with empty_engine.connect() as conn:
        assert await conn.run_sync(diff) == []


async def test_downgrade_to_base_removes_every_table_and_upgrade_restores_them(
        empty_engine: AsyncEngine) -> None:
    await migrations.upgrade(empty_engine)
    expected = set(Base.metadata.tables)
    assert expected <= await _tables(empty_engine)
    await migrations.downgrade(empty_engine, "base")
    assert await _tables(empty_engine) <= {"alembic_version"}
    assert await migrations.current_revision(empty_engine) is None
    await migrations.upgrade(empty_engine)
    assert expected <= await _tables(empty_engine)


async def test_each_revision_downgrades_one_step_and_upgrades_again(empty_engine: AsyncEngine) -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrations.alembic_config())
    revisions = [r.revision for r in script.walk_revisions("base", "heads")][::-1]
    for revision in revisions:
        await migrations.upgrade(empty_engine, revision)
        await migrations.downgrade(empty_engine, "-1")
        await migrations.upgrade(empty_engine, revision)
        assert await migrations.current_revision(empty_engine) == revision


def test_history_is_linear() -> None:
    assert migrations.head_revision()
