"""/metrics: the in-process instruments (server.instruments) and the figures read from the database.

The database figures (outbox backlog and deliveries per desk, mirror states, notification mails
sent and failed, SLA escalations) are read at each scrape, so that every process and worker agrees;
they join the one registry through a collector holding the latest reading.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.identity.open_sockets import OPEN_SOCKETS
from server.instruments import REGISTRY, WEBSOCKETS_OPEN
from server.mirror.metrics import mirror_metrics
from server.notify.models import MailOutbox
from server.sla.models import TicketEscalation

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


async def notification_metrics(session: AsyncSession) -> list[Metric]:
    sent, failed, waiting = (await session.execute(select(
        func.count().filter(MailOutbox.sent_at.is_not(None)),
        func.count().filter(MailOutbox.failed_at.is_not(None)),
        func.count().filter(MailOutbox.sent_at.is_(None), MailOutbox.failed_at.is_(None),
                            MailOutbox.held.is_(False))))).one()
    return [CounterMetricFamily("groupdesk_notifications_sent", "Notification mails sent.", value=sent),
            CounterMetricFamily("groupdesk_notifications_failed",
                                "Notification mails given up after their retries.", value=failed),
            GaugeMetricFamily("groupdesk_notifications_waiting", "Notification mails waiting to be sent.",
                              value=waiting)]


async def escalation_metrics(session: AsyncSession) -> list[Metric]:
    rows = (await session.execute(select(TicketEscalation.target, TicketEscalation.level, func.count())
                                  .group_by(TicketEscalation.target, TicketEscalation.level))).all()
    family = CounterMetricFamily("groupdesk_sla_escalations", "SLA thresholds crossed, by target and level.",
                                 labels=["target", "level"])
    for target, level, n in sorted(rows):
        family.add_metric([target.value, level.value], n)
    return [family]


class DatabaseFigures(Collector):
    """The figures of the latest scrape's reading (empty until the first one)."""

    def __init__(self) -> None:
        self.families: list[Metric] = []

    async def read(self, session: AsyncSession) -> None:
        self.families = [*await mirror_metrics(session), *await notification_metrics(session),
                         *await escalation_metrics(session)]

    def collect(self) -> Iterator[Metric]:
        yield from self.families


DATABASE_FIGURES = DatabaseFigures()
REGISTRY.register(DATABASE_FIGURES)
WEBSOCKETS_OPEN.set_function(lambda: float(len(OPEN_SOCKETS)))


async def exposition(session: AsyncSession) -> bytes:
    """The text a scrape gets: read the database figures, then write the whole registry."""
    await DATABASE_FIGURES.read(session)
    return generate_latest(REGISTRY)
