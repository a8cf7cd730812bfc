"""Importing a federation file: idempotent, all or nothing, nothing deleted behind the admin's back."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server import migrations
from server.catalog.models import Brick, Service, SubService
from server.db import create_engine, session_factory, writer_session
from server.identity.models import ExpertDesignation, Tenant, User
from server.importing import import_federation
from tenants.federation import FederationInvalid, demo_federation_path, load_federation, parse_federation
from tests.conftest import drop_database, new_database

MODELS = (Tenant, User, Brick, Service, SubService, ExpertDesignation)


@pytest.fixture
async def fresh(backend: str, tmp_path: Path) -> AsyncIterator:
    url = await new_database(backend, tmp_path)
    engine = create_engine(url)
    await migrations.upgrade(engine)
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()
        await drop_database(url)


async def _snapshot(session: AsyncSession) -> dict[str, list[tuple]]:
    """Every row of every imported table, including update times: equal snapshots = nothing changed."""
    out = {}
    for model in MODELS:
        cols = list(model.__table__.columns)
        rows = (await session.execute(select(*cols).order_by(model.id))).all()
        out[model.__tablename__] = [tuple(r) for r in rows]
    return out


async def test_loading_the_demo_federation_twice_changes_nothing(fresh) -> None:
    federation = load_federation(demo_federation_path())
    async with writer_session(fresh) as session:
        first = await import_federation(session, federation)
    assert first.changed and first.created["tenants"] == 9
    async with fresh() as session:
        before = await _snapshot(session)
    async with writer_session(fresh) as session:
        second = await import_federation(session, federation)
    assert not second.changed
    assert sum(second.created.values()) == 0 and sum(second.updated.values()) == 0
    async with fresh() as session:
        assert await _snapshot(session) == before


BASE = """
federation: Test group
tenants:
  - {slug: lyon, name: Lyon, kind: SCHOOL}
  - {slug: group, name: The group, kind: GROUP}
users:
  - {username: ana.test, tenant: lyon, email: ana@lyon.example.org, name: Ana Test, roles: [expert]}
bricks:
  - code: wiki
    name: Wiki
    description: The wiki
    services:
      - name: Pages
        description: Pages
        sub_services:
          - {name: Page restore, description: Restore a page, priority: HIGH}
experts:
  - {user: ana.test, brick: wiki}
"""


async def test_changed_entries_are_updated_and_missing_ones_kept_and_reported(fresh) -> None:
    async with writer_session(fresh) as session:
        await import_federation(session, parse_federation(BASE, filename="base.yaml"))
    changed = BASE.replace("name: Wiki\n", "name: Group wiki\n").replace(
        "  - {slug: lyon, name: Lyon, kind: SCHOOL}\n", "")
    changed = changed.replace("tenant: lyon", "tenant: group")
    async with writer_session(fresh) as session:
        report = await import_federation(session, parse_federation(changed, filename="v2.yaml"))
    assert report.updated["bricks"] == 1 and report.updated["users"] == 1
    assert "tenant lyon" in report.not_in_file
    async with fresh() as session:
        assert await session.scalar(select(Brick.name).where(Brick.code == "wiki")) == "Group wiki"
        assert await session.scalar(select(func.count()).select_from(Tenant)) == 2


async def test_a_broken_file_is_refused_whole_naming_file_line_and_field(fresh) -> None:
    async with writer_session(fresh) as session:
        await import_federation(session, parse_federation(BASE, filename="base.yaml"))
    async with fresh() as session:
        before = await _snapshot(session)
    broken = BASE.replace("name: Wiki\n", "name: Wiki v2\n").replace("priority: HIGH", "priority: URGENT")
    with pytest.raises(FederationInvalid) as refused:
        parse_federation(broken, filename="broken.yaml")
    line = next(i for i, text in enumerate(broken.splitlines(), 1) if "URGENT" in text)
    assert f"broken.yaml:{line}:" in str(refused.value)
    assert "priority" in str(refused.value)
    async with fresh() as session:
        assert await _snapshot(session) == before


async def test_bricks_services_and_sub_services_the_file_no_longer_lists_are_kept_and_listed(fresh) -> None:
    bigger = BASE.replace('''          - {name: Page restore, description: Restore a page, priority: HIGH}
''', '''          - {name: Page restore, description: Restore a page, priority: HIGH}
          - {name: Page export, description: Export a page}
      - name: Spaces
        description: Spaces
        sub_services:
          - {name: Space creation, description: A new space}
  - code: forum
    name: Forum
    description: The forum
    services:
      - name: Threads
        description: Threads
        sub_services:
          - {name: Thread move, description: Move a thread}
''')
    async with writer_session(fresh) as session:
        await import_federation(session, parse_federation(bigger, filename="bigger.yaml"))
    async with writer_session(fresh) as session:
        report = await import_federation(session, parse_federation(BASE, filename="base.yaml"))
    assert report.not_in_file == ["brick forum", "service wiki > Spaces", "sub-service wiki > Pages > Page export"]
    assert "kept although not in the file: brick forum, service wiki > Spaces" in report.summary()
    async with fresh() as session:
        assert await session.scalar(select(Brick.active).where(Brick.code == "forum")) is True
