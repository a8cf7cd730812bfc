"""`groupdesk catalog sync SOURCE`: the catalogue kept in step with its source, each run recorded.

The source is a federation file, by path or URL, or the group's iTop service catalogue
(`itop+https://itop.example.org`: Service / ServiceSubcategory read over REST, mapped by
tenants.desks.itop_catalog); its bricks, services and sub-services are imported the way
`groupdesk load` does (idempotent: a second run changes nothing; from iTop, existing sub-services
keep their form, approval and priority, which iTop does not know). Entries the source no longer
names are listed and, when asked, deactivated (never deleted: tickets name them). Every run,
failed ones included, is a `catalog_sync_run` row group administrators read.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.catalog.models import CatalogSyncRun
from server.config import Settings
from server.db import utcnow, writer_session
from server.errors import GroupdeskError
from server.importing import ImportReport, import_catalogue
from tenants import policy
from tenants.context import Principal
from tenants.desks.base import DeskError
from tenants.desks.itop_catalog import read_itop_catalogue
from tenants.federation import Federation, FederationInvalid, parse_federation

SOURCE_TIMEOUT = 30.0
# `itop+https://itop.example.org`: the group's iTop service catalogue (its root URL after the prefix).
ITOP_PREFIX = "itop+"


@dataclass(frozen=True)
class SyncOutcome:
    """What one run did (the recorded row's id, and the report or the error)."""

    run_id: int
    report: ImportReport | None
    error: str | None


async def read_source(source: str) -> str:
    """The federation file's text, from a path or an http(s) URL."""
    if source.startswith(("http://", "https://")):
        async with httpx.AsyncClient(timeout=SOURCE_TIMEOUT, follow_redirects=True) as http:
            response = await http.get(source)
        if response.status_code != 200:
            raise OSError(f"{source} answered HTTP {response.status_code}")
        return response.text
    with open(source, encoding="utf-8") as handle:
        return handle.read()


def is_itop(source: str) -> bool:
    return source.startswith(ITOP_PREFIX)


async def read_catalogue(source: str, settings: Settings | None) -> Federation:
    """The catalogue a source holds, as a federation (only its bricks are imported)."""
    if not is_itop(source):
        return parse_federation(await read_source(source), filename=source)
    settings = settings or Settings()
    bricks = await read_itop_catalogue(source[len(ITOP_PREFIX):], settings.catalog_itop_credentials(),
                                       organization=settings.catalog_itop_organization,
                                       timeout=SOURCE_TIMEOUT)
    return Federation(name=source, tenants=(), users=(), bricks=bricks, designations=())


def _changes(report: ImportReport) -> dict[str, object]:
    return {"created": dict(report.created), "updated": dict(report.updated),
            "missing": list(report.not_in_file)}


async def sync_catalogue(sessions: async_sessionmaker[AsyncSession], source: str, *,
                         deactivate_missing: bool = False, dry_run: bool = False,
                         settings: Settings | None = None) -> SyncOutcome:
    """Import the source's catalogue in one transaction, then record the run in its own.

    `settings` gives an iTop source its account (GROUPDESK_CATALOG_ITOP_*); None reads them now.
    """
    started = utcnow()
    report: ImportReport | None = None
    error: str | None = None
    try:
        federation = await read_catalogue(source, settings)
        async with writer_session(sessions) as session:
            report = ImportReport()
            await import_catalogue(session, report, federation, deactivate_missing=deactivate_missing,
                                   names_only=is_itop(source))
            if dry_run:
                await session.rollback()
    except FederationInvalid as exc:
        error = f"{source} refused, nothing changed:\n{exc}"
    except (OSError, httpx.HTTPError) as exc:
        error = f"cannot read {source}: {getattr(exc, 'strerror', None) or exc}"
    except DeskError as exc:
        error = f"cannot read {source}: {exc}"
    except GroupdeskError as exc:
        error = f"{source} refused, nothing changed: {exc.message}"
    async with writer_session(sessions) as session:
        run = CatalogSyncRun(source=source[:500], started_at=started, finished_at=utcnow(),
                             ok=error is None, changes=_changes(report) if report else {}, error=error)
        if dry_run:
            run.changes = {**run.changes, "dry_run": True}
        session.add(run)
        await session.flush()
        run_id = run.id
    return SyncOutcome(run_id, report, error)


async def sync_runs(session: AsyncSession, *, viewer: Principal, limit: int = 50) -> list[CatalogSyncRun]:
    """Group administrators: the latest runs, newest first (nothing for the others)."""
    if not policy.may_manage_catalog(viewer):
        return []
    rows = await session.scalars(select(CatalogSyncRun).order_by(CatalogSyncRun.id.desc())
                                 .limit(max(1, min(limit, 200))))
    return list(rows)
