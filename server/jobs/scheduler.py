"""Periodic ticks on the app's event loop (APScheduler 3): each tick opens its own session.

Ticks: auto-close, expired idempotency keys, notification digests, the stats roll-up.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.config import Settings
from server.db import utcnow, writer_session
from server.logs import quiet_scheduler_routine
from server.notify.digest import gather_digests
from server.reports.rollup import roll_up
from server.sla.escalation import sweep
from server.tickets.autoclose import close_resolved_tickets
from server.tickets.idempotency import delete_expired_keys

log = logging.getLogger("groupdesk.jobs")

AUTO_CLOSE_JOB = "auto-close"
CATALOG_SYNC_JOB = "catalog-sync"
EXPIRED_KEYS_JOB = "expired-idempotency-keys"
DIGEST_JOB = "notification-digests"
SLA_SWEEP_JOB = "sla-sweep"
STATS_ROLLUP_JOB = "stats-rollup"


async def auto_close_tick(sessions: async_sessionmaker[AsyncSession], after_days: int) -> int:
    """Close the resolved tickets that are due, in one transaction; how many were closed."""
    async with writer_session(sessions) as session:
        closed = await close_resolved_tickets(session, now=utcnow(), after_days=after_days)
    if closed:
        log.info("auto-closed resolved tickets", extra={"fields": {"closed": closed}})
    return closed


async def expired_keys_tick(sessions: async_sessionmaker[AsyncSession]) -> int:
    """Forget the openTicket idempotency keys past their time."""
    async with writer_session(sessions) as session:
        deleted = await delete_expired_keys(session, now=utcnow())
    if deleted:
        log.debug("expired idempotency keys deleted", extra={"fields": {"deleted": deleted}})
    return deleted


async def digest_tick(sessions: async_sessionmaker[AsyncSession]) -> int:
    """Gather the held mails of everyone whose digest period is over into one mail each."""
    async with writer_session(sessions) as session:
        written = await gather_digests(session, now=utcnow())
    if written:
        log.info("notification digests written", extra={"fields": {"digests": len(written)}})
    return len(written)


async def sla_sweep_tick(sessions: async_sessionmaker[AsyncSession],
                         clock: Callable[[], dt.datetime] = utcnow) -> int:
    """Escalate the tickets past a service level threshold, in one transaction; how many
    escalations were recorded (server.sla.escalation guards against other processes)."""
    async with writer_session(sessions) as session:
        return await sweep(session, now=clock())


async def stats_rollup_tick(sessions: async_sessionmaker[AsyncSession],
                            clock: Callable[[], dt.datetime] = utcnow) -> int:
    """Rebuild the stats days changes marked dirty and roll up the complete days not yet rolled
    up (a bounded number per tick: a first run on a large history catches up over a few ticks, or
    run `groupdesk stats rollup`), in one transaction; how many days were built. Idempotent; on
    PostgreSQL one process at a time (advisory lock)."""
    async with writer_session(sessions) as session:
        run = await roll_up(session, today=clock().astimezone(dt.UTC).date())
    if run.rebuilt or run.added:
        log.info("stats rolled up", extra={"fields": {"rebuilt": len(run.rebuilt), "added": run.added,
                                                       "remaining": run.remaining}})
    return len(run.rebuilt) + run.added


async def catalog_sync_tick(sessions: async_sessionmaker[AsyncSession], source: str,
                            deactivate_missing: bool, settings: Settings | None = None) -> int:
    """The scheduled `groupdesk catalog sync`: its run is recorded like a manual one."""
    from server.catalog_sync import sync_catalogue

    outcome = await sync_catalogue(sessions, source, deactivate_missing=deactivate_missing,
                                   settings=settings)
    if outcome.error is not None:
        log.warning("catalogue sync failed", extra={"fields": {"run": outcome.run_id, "error": outcome.error}})
    return outcome.run_id


def build_scheduler(settings: Settings,
                    sessions: async_sessionmaker[AsyncSession]) -> AsyncIOScheduler | None:
    """The scheduler with its jobs, not started; None when GROUPDESK_TICK_SECONDS is 0."""
    if settings.tick_seconds == 0:
        return None
    quiet_scheduler_routine()
    scheduler = AsyncIOScheduler(timezone=dt.UTC)
    # A late tick runs once, never twice at a time: the swept work is idempotent anyway.
    scheduler.add_job(auto_close_tick, "interval", seconds=settings.tick_seconds,
                      args=[sessions, settings.auto_close_days], id=AUTO_CLOSE_JOB,
                      coalesce=True, max_instances=1, replace_existing=True)
    scheduler.add_job(expired_keys_tick, "interval", seconds=settings.tick_seconds, args=[sessions],
                      id=EXPIRED_KEYS_JOB, coalesce=True, max_instances=1, replace_existing=True)
    scheduler.add_job(digest_tick, "interval", seconds=settings.tick_seconds, args=[sessions],
                      id=DIGEST_JOB, coalesce=True, max_instances=1, replace_existing=True)
    scheduler.add_job(stats_rollup_tick, "interval", seconds=settings.tick_seconds, args=[sessions],
                      id=STATS_ROLLUP_JOB, coalesce=True, max_instances=1, replace_existing=True)
    if settings.sla_sweep_seconds:
        scheduler.add_job(sla_sweep_tick, "interval", seconds=settings.sla_sweep_seconds,
                          args=[sessions], id=SLA_SWEEP_JOB, coalesce=True, max_instances=1,
                          replace_existing=True)
    if settings.catalog_sync_source and settings.catalog_sync_seconds:
        scheduler.add_job(catalog_sync_tick, "interval", seconds=settings.catalog_sync_seconds,
                          args=[sessions, settings.catalog_sync_source,
                                settings.catalog_sync_deactivate_missing, settings],
                          id=CATALOG_SYNC_JOB, coalesce=True, max_instances=1, replace_existing=True)
    return scheduler
