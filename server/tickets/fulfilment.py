"""Fulfilment status from automation: deployment tools report where a request's fulfilment is.

A technical account (the school desk's, through its API token) or the school's signed hook sets
`fulfilment { system status message updatedAt }` on a ticket. Statuses are the federation's list
(the federation file's `fulfilment:` section, tenants.federation.fulfilment); each report is a
public `FULFILMENT` history event, so that followers do the rest: an error status notifies the
assignee (server.notify.recipients) and the school's desk gets a public note (server.mirror.follow).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import utcnow
from server.errors import PermissionDenied
from server.tickets import history
from server.tickets.locking import lock_ticket, next_version
from server.tickets.models import (
    FULFILMENT_SYSTEM_MAX,
    TEXT_MAX,
    EventKind,
    FulfilmentStatus,
    Ticket,
)
from server.validation import Checks
from tenants import policy
from tenants.context import Principal
from tenants.federation.fulfilment import DEFAULT_STATUSES
from tenants.federation.specs import FulfilmentStatusSpec
from tenants.i18n.messages import Message


async def statuses(session: AsyncSession, *,
                   viewer: Principal | None = None) -> tuple[FulfilmentStatusSpec, ...]:
    """The federation's statuses in their order; the default list until a federation names one.

    `viewer` None is the system; the list is the federation's, read by every signed-in caller.
    """
    if viewer is not None and not policy.may_read_shared_data(viewer):
        return ()
    rows = list(await session.scalars(select(FulfilmentStatus).order_by(FulfilmentStatus.position,
                                                                         FulfilmentStatus.code)))
    if not rows:
        return DEFAULT_STATUSES
    return tuple(FulfilmentStatusSpec(r.code, r.name, error=r.error) for r in rows)


async def import_statuses(session: AsyncSession,
                          specs: tuple[FulfilmentStatusSpec, ...]) -> tuple[Counter[str], list[str]]:
    """Store the federation's list: (created/updated/unchanged counts, codes it dropped).

    The list is the file's: a status it no longer names leaves the list (reports using it are
    refused from now on) but tickets that carry it keep it, with the error flag copied then.
    """
    specs = specs or DEFAULT_STATUSES
    counts: Counter[str] = Counter()
    existing = {r.code: r for r in await session.scalars(select(FulfilmentStatus))}
    for position, spec in enumerate(specs):
        row = existing.get(spec.code)
        values = dict(name=spec.name, error=spec.error, position=position)
        if row is None:
            session.add(FulfilmentStatus(code=spec.code, **values))
            counts["created"] += 1
            continue
        changed = {k: v for k, v in values.items() if getattr(row, k) != v}
        for key, value in changed.items():
            setattr(row, key, value)
        counts["updated" if changed else "unchanged"] += 1
    listed = {s.code for s in specs}
    dropped = sorted(code for code in existing if code not in listed)
    for code in dropped:
        await session.delete(existing[code])
    await session.flush()
    return counts, dropped


async def set_fulfilment(session: AsyncSession, *, actor: Principal, ticket_id: int, system: str,
                         status: str, message: str | None = None,
                         expected_version: int | None = None,
                         reported_at: dt.datetime | None = None) -> Ticket:
    """Record what automation reports on a ticket; the same report twice changes nothing."""
    refusal = PermissionDenied(Message("fulfilment is reported by the school's desk-integration "
                                       "account or a group admin"))
    if not policy.may_report_fulfilment(actor):
        raise refusal
    ticket = await lock_ticket(session, actor, ticket_id, expected_version)
    if not policy.may_set_fulfilment(actor, ticket.tenant_id):
        raise refusal
    known = {s.code: s for s in await statuses(session)}
    checks = Checks()
    checks.text("system", system, max_len=FULFILMENT_SYSTEM_MAX)
    wanted = (status or "").strip().upper()
    if wanted not in known:
        checks.add("status", Message("must be one of {values}", values=", ".join(known)))
    checks.text("message", message, max_len=TEXT_MAX, required=False)
    if reported_at is not None and reported_at.tzinfo is None:
        checks.add("updatedAt", Message("give a time zone (e.g. 2026-11-21T08:00:00Z)"))
    checks.done()
    system, text = system.strip(), (message or "").strip() or None
    if (ticket.fulfilment_system, ticket.fulfilment_status, ticket.fulfilment_message) == (
            system, wanted, text):
        return ticket
    before = ticket.fulfilment_status
    spec = known[wanted]
    ticket.fulfilment_system, ticket.fulfilment_status = system, wanted
    ticket.fulfilment_error, ticket.fulfilment_message = spec.error, text
    ticket.fulfilment_updated_at = reported_at or utcnow()
    next_version(ticket)
    data: dict[str, object] = {"system": system, "from": before, "to": wanted, "name": spec.name,
                               "error": spec.error}
    if text:
        data["message"] = text
    await history.record(session, ticket, EventKind.FULFILMENT, actor=actor, data=data)
    return ticket
