"""Mirror figures in the Prometheus text format, read from the database so every process agrees."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import utcnow
from server.mirror.models import Mirror, MirrorStatus, Origin, OutboxEvent


async def mirror_metrics(session: AsyncSession) -> str:
    """The exposition text for the outbox and the mirrors."""
    pending = (OutboxEvent.delivered_at.is_(None)) & (OutboxEvent.origin == Origin.GROUP)
    backlog, oldest = (await session.execute(
        select(func.count(), func.min(OutboxEvent.created_at)).where(pending))).one()
    delivered = await session.scalar(select(func.count()).where(
        OutboxEvent.delivered_at.is_not(None), OutboxEvent.origin == Origin.GROUP))
    failures = await session.scalar(select(func.coalesce(func.sum(OutboxEvent.attempts), 0)))
    by_status = dict((await session.execute(
        select(Mirror.status, func.count()).group_by(Mirror.status))).all())
    if oldest is not None and oldest.tzinfo is None:  # aggregate results skip the column type
        from datetime import UTC

        oldest = oldest.replace(tzinfo=UTC)
    age = (utcnow() - oldest).total_seconds() if oldest is not None else 0.0
    lines = [
        "# HELP groupdesk_mirror_backlog Outbox events waiting for delivery to a school's desk.",
        "# TYPE groupdesk_mirror_backlog gauge",
        f"groupdesk_mirror_backlog {backlog}",
        "# HELP groupdesk_mirror_backlog_oldest_seconds Age of the oldest event waiting for delivery.",
        "# TYPE groupdesk_mirror_backlog_oldest_seconds gauge",
        f"groupdesk_mirror_backlog_oldest_seconds {age:.3f}",
        "# HELP groupdesk_mirror_delivered_total Outbox events delivered to the schools' desks.",
        "# TYPE groupdesk_mirror_delivered_total counter",
        f"groupdesk_mirror_delivered_total {delivered}",
        "# HELP groupdesk_mirror_failures_total Failed delivery attempts.",
        "# TYPE groupdesk_mirror_failures_total counter",
        f"groupdesk_mirror_failures_total {failures}",
        "# HELP groupdesk_mirrors Mirrors by status (PAUSED ones wait for an administrator).",
        "# TYPE groupdesk_mirrors gauge",
    ]
    for status in MirrorStatus:
        lines.append(f'groupdesk_mirrors{{status="{status.value}"}} {by_status.get(status, 0)}')
    return "\n".join(lines) + "\n"
