"""The escalation sweep: tickets whose clock crossed 75% or 100% of a target are escalated once.

Correctness rests on the database, not on timing: `ticket_escalation` has one row per (ticket,
target, level), inserted with ON CONFLICT DO NOTHING in the ticket's own locked transaction, and
only the transaction whose insert took the row raises the level and writes the ESCALATED event. So a
missed tick is caught up by the next one, a repeated or concurrent one does nothing twice. On
PostgreSQL a transaction-level advisory lock also lets one process at a time do the sweep's work
(others skip the tick); on SQLite the writer lock (BEGIN IMMEDIATE) serialises sweeps anyway.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from server.sla import clocks
from server.sla.calendars import calendar_of
from server.sla.models import SlaLevel, SlaTarget, TicketEscalation
from server.tickets import history
from server.tickets.locking import lock_ticket, next_version
from server.tickets.models import EventKind, Ticket

log = logging.getLogger("groupdesk.sla")

# pg_try_advisory_xact_lock's key: "groupdesk sla sweep", any constant the app uses for nothing else.
SWEEP_LOCK_KEY = 0x67645F736C61
BATCH = 200
PERCENT = {SlaLevel.WARNING: 75, SlaLevel.BREACHED: 100}


async def take_sweep_lock(session: AsyncSession) -> bool:
    """Whether this transaction may sweep: on PostgreSQL, only the one holding the advisory lock."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    return bool(await session.scalar(select(func.pg_try_advisory_xact_lock(SWEEP_LOCK_KEY))))


async def sweep(session: AsyncSession, *, now: dt.datetime, limit: int = BATCH) -> int:
    """Escalate the tickets whose next SLA check is due; how many escalations were recorded."""
    if not await take_sweep_lock(session):
        log.debug("another process is sweeping service levels")
        return 0
    due = list(await session.scalars(
        select(Ticket.id).where(Ticket.sla_check_at <= now)
        .order_by(Ticket.sla_check_at, Ticket.id).limit(limit)))
    recorded = 0
    for ticket_id in due:
        recorded += await escalate_due(session, ticket_id, now=now)
    if recorded:
        log.info("escalated tickets past their service level thresholds",
                 extra={"fields": {"escalations": recorded, "tickets": len(due)}})
    return recorded


async def escalate_due(session: AsyncSession, ticket_id: int, *, now: dt.datetime) -> int:
    """Under the ticket's lock: record each threshold crossed and not yet recorded, then move the
    ticket's next check on; how many escalations this call recorded."""
    ticket = await lock_ticket(session, None, ticket_id, None)
    if ticket.sla_check_at is None or ticket.sla_check_at > now:
        return 0  # another sweep got here first
    calendar = await calendar_of(session, ticket.tenant_id)
    elapsed = clocks.elapsed_at(ticket, calendar, now)
    crossings = clocks.crossed(clocks.measures(ticket, elapsed))
    clocks.refresh(ticket, calendar, None, now, swept=True)
    recorded = 0
    for target, level, measure in crossings:
        due_at = ticket.take_due_at if target is SlaTarget.TAKE else ticket.resolve_due_at
        if not await _claim(session, ticket.id, target, level, measure.spent, due_at, now):
            continue
        recorded += 1
        ticket.escalation_level += 1
        next_version(ticket)
        await history.record(session, ticket, EventKind.ESCALATED, actor=None, public=False, data={
            "level": ticket.escalation_level, "automatic": True, "sla": level.value,
            "target": target.value, "percent": PERCENT[level],
            "elapsedBusinessSeconds": round(measure.spent),
            "targetBusinessSeconds": measure.seconds,
            "dueAt": due_at.isoformat() if due_at is not None else None,
            "reason": _reason(target, level),
        })
    return recorded


async def _claim(session: AsyncSession, ticket_id: int, target: SlaTarget, level: SlaLevel,
                 spent: float, due_at: dt.datetime | None, now: dt.datetime) -> bool:
    """Insert the escalation's row unless it exists; whether this transaction inserted it."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    values = {"ticket_id": ticket_id, "target": target, "level": level,
              "elapsed_business_seconds": spent, "due_at": due_at, "created_at": now}
    stmt = (insert(TicketEscalation).values(**values)
            .on_conflict_do_nothing(index_elements=["ticket_id", "target", "level"])
            .returning(TicketEscalation.id))
    return (await session.scalar(stmt)) is not None


def _reason(target: SlaTarget, level: SlaLevel) -> str:
    what = "taking" if target is SlaTarget.TAKE else "resolving"
    if level is SlaLevel.BREACHED:
        return f"the target for {what} the ticket was missed"
    return f"75% of the business time for {what} the ticket is spent"
