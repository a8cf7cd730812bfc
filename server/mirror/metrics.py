"""Mirror figures as Prometheus metric families, read from the database so every process agrees.

server.reports.metrics exposes them with the rest of /metrics, in one registry.
"""

from __future__ import annotations

import datetime as dt

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import utcnow
from server.identity.models import Tenant
from server.mirror.models import Mirror, MirrorStatus, Origin, OutboxEvent


async def mirror_metrics(session: AsyncSession) -> list[Metric]:
    """The outbox's backlog and deliveries, overall and per desk (its school), and mirror states."""
    pending = (OutboxEvent.delivered_at.is_(None)) & (OutboxEvent.origin == Origin.GROUP)
    backlog, oldest = (await session.execute(
        select(func.count(), func.min(OutboxEvent.created_at)).where(pending))).one()
    delivered = await session.scalar(select(func.count()).where(
        OutboxEvent.delivered_at.is_not(None), OutboxEvent.origin == Origin.GROUP))
    failures = await session.scalar(select(func.coalesce(func.sum(OutboxEvent.attempts), 0)))
    by_status = dict((await session.execute(
        select(Mirror.status, func.count()).group_by(Mirror.status))).all())
    per_desk = (await session.execute(
        select(Tenant.slug, func.count().filter(OutboxEvent.delivered_at.is_(None)),
               func.count().filter(OutboxEvent.delivered_at.is_not(None)))
        .join(Tenant, Tenant.id == OutboxEvent.tenant_id)
        .where(OutboxEvent.origin == Origin.GROUP).group_by(Tenant.slug).order_by(Tenant.slug))).all()
    if oldest is not None and oldest.tzinfo is None:  # aggregate results skip the column type
        oldest = oldest.replace(tzinfo=dt.UTC)
    age = (utcnow() - oldest).total_seconds() if oldest is not None else 0.0
    families: list[Metric] = [
        GaugeMetricFamily("groupdesk_mirror_backlog", "Outbox events waiting for delivery to a school's desk.",
                          value=backlog),
        GaugeMetricFamily("groupdesk_mirror_backlog_oldest_seconds",
                          "Age of the oldest event waiting for delivery.", value=round(age, 3)),
        CounterMetricFamily("groupdesk_mirror_delivered", "Outbox events delivered to the schools' desks.",
                            value=delivered or 0),
        CounterMetricFamily("groupdesk_mirror_failures", "Failed delivery attempts.", value=failures or 0),
    ]
    mirrors = GaugeMetricFamily("groupdesk_mirrors", "Mirrors by status (PAUSED ones wait for an administrator).",
                                labels=["status"])
    for status in MirrorStatus:
        mirrors.add_metric([status.value], by_status.get(status, 0))
    desk_backlog = GaugeMetricFamily("groupdesk_outbox_backlog", "Events waiting per desk (the school's slug).",
                                     labels=["desk"])
    desk_delivered = CounterMetricFamily("groupdesk_outbox_delivered", "Events delivered per desk.",
                                         labels=["desk"])
    for slug, waiting, done in per_desk:
        desk_backlog.add_metric([slug], waiting)
        desk_delivered.add_metric([slug], done)
    return [*families, mirrors, desk_backlog, desk_delivered]
