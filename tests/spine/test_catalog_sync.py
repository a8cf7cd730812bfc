"""`groupdesk catalog sync SOURCE`: idempotent, missing entries listed or deactivated, each run recorded."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from server.catalog.models import Brick, CatalogSyncRun
from server.catalog_sync import sync_catalogue
from tests.spine.test_importing import BASE, fresh  # noqa: F401  (the fixture)

WITH_FORUM = BASE.replace("experts:\n", """  - code: forum
    name: Forum
    description: The forum
    services:
      - name: Threads
        description: Threads
        sub_services:
          - {name: Thread move, description: Move a thread}
experts:
""")


async def test_a_sync_is_idempotent_lists_what_the_source_dropped_and_deactivates_it_when_asked(
        fresh, tmp_path: Path) -> None:  # noqa: F811
    source = tmp_path / "catalogue.yaml"
    source.write_text(WITH_FORUM, encoding="utf-8")
    first = await sync_catalogue(fresh, str(source))
    assert first.error is None and first.report is not None and first.report.created["bricks"] == 2
    again = await sync_catalogue(fresh, str(source))
    assert again.report is not None and not again.report.changed
    source.write_text(BASE, encoding="utf-8")
    listed = await sync_catalogue(fresh, str(source))
    assert listed.report is not None and listed.report.not_in_file == ["brick forum"]
    async with fresh() as session:
        assert await session.scalar(select(Brick.active).where(Brick.code == "forum")) is True
    retired = await sync_catalogue(fresh, str(source), deactivate_missing=True)
    assert retired.report is not None and retired.report.updated["deactivated"] == 1
    async with fresh() as session:
        assert await session.scalar(select(Brick.active).where(Brick.code == "forum")) is False
        runs = list(await session.scalars(select(CatalogSyncRun).order_by(CatalogSyncRun.id)))
    assert [r.ok for r in runs] == [True] * 4
    assert runs[2].changes["missing"] == ["brick forum"] and runs[0].changes["created"]["bricks"] == 2


async def test_an_unreadable_or_broken_source_changes_nothing_and_its_run_says_why(
        fresh, tmp_path: Path) -> None:  # noqa: F811
    missing = await sync_catalogue(fresh, str(tmp_path / "nowhere.yaml"))
    assert missing.error is not None and "cannot read" in missing.error
    broken = tmp_path / "broken.yaml"
    broken.write_text(BASE.replace("priority: HIGH", "priority: URGENT"), encoding="utf-8")
    refused = await sync_catalogue(fresh, str(broken))
    assert refused.error is not None and "priority" in refused.error
    async with fresh() as session:
        assert list(await session.scalars(select(Brick))) == []
        runs = list(await session.scalars(select(CatalogSyncRun).order_by(CatalogSyncRun.id)))
    assert [(r.ok, bool(r.error)) for r in runs] == [(False, True), (False, True)]
