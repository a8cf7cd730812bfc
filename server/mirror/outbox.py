"""Writing outbox events in the transaction of the change, and telling deliverers after commit."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any, cast

from sqlalchemy import Table, case, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached

from server.db import CommitAnnouncer, utcnow
from server.storable import refuse_unstorable_values
from server.mirror import changes
from server.mirror.models import DeskSetting, Mirror, MirrorStatus, Origin, OutboxEvent
from tenants.desks.base import DeskEvent, DeskKind, DeskTicket, EventKind, RemoteTicket

log = logging.getLogger("groupdesk.mirror")

# Tickets given new outbox events in the session's transaction, announced once it commits.
_COMMITTED_KEY = "groupdesk.outbox.tickets"
# Public comments written in the transaction, by comment id (see server.mirror.follow).
COMMENTS_KEY = "groupdesk.outbox.comments"
# What this transaction already knows: each tenant's desk kind and the mirrors it wrote (and so
# holds the row lock of). A second event of one change (opened, then routed) reads neither again.
_DESKS_KEY = "groupdesk.outbox.desks"
_TOUCHED_KEY = "groupdesk.outbox.touched"
# Authors' display names read ahead by an opening's preparation (see server.mirror.follow).
AUTHORS_KEY = "groupdesk.outbox.authors"
# Deliverers hear the tickets a commit gave outbox events; the transaction's caches go with it.
COMMITTED = CommitAnnouncer(_COMMITTED_KEY, log, forget=(COMMENTS_KEY, _DESKS_KEY, _TOUCHED_KEY,
                                                         AUTHORS_KEY))
subscribe = COMMITTED.subscribe


def remember_desk(session: AsyncSession, tenant_id: int, kind: DeskKind | None) -> None:
    """What the school's desk is (None: no desk), read ahead by the caller for this transaction."""
    session.info.setdefault(_DESKS_KEY, {})[tenant_id] = kind


def announce_after_commit(session: AsyncSession, ticket_id: int) -> None:
    """Have deliverers told about this ticket once the transaction commits (e.g. after a retry)."""
    COMMITTED.note(session, [ticket_id])


def snapshot(ticket: DeskTicket, message: str | None, author: str | None,
             occurred_at: dt.datetime) -> dict[str, Any]:
    """The payload stored with an event: enough to deliver it without loading the ticket."""
    fields = asdict(ticket)
    fields.pop("local_ref", None)  # known only at delivery time, from the mirror
    return {"ticket": fields, "message": message, "author": author,
            "occurred_at": occurred_at.isoformat()}


def event_id(installation: str, row_id: int) -> str:
    """The idempotency key a desk sees: this installation's identity and the row's id, so
    that another installation's event 1 is never taken for ours."""
    return f"grp-{installation}-{row_id}" if installation else f"grp-{row_id}"


def desk_event(row: OutboxEvent, remote: RemoteTicket | None, installation: str = "") -> DeskEvent:
    """The connector's view of an outbox row; its id is the idempotency key the desk sees."""
    payload = row.payload
    fields = dict(payload["ticket"])
    fields["form"] = tuple(tuple(pair) for pair in fields.get("form") or ())
    ticket = DeskTicket(**fields, local_ref=remote.ref if remote else None)
    return DeskEvent(event_id=event_id(installation, row.id), kind=EventKind(row.kind), ticket=ticket,
                     message=payload.get("message"), author=payload.get("author"),
                     occurred_at=dt.datetime.fromisoformat(payload["occurred_at"]))


async def enqueue(session: AsyncSession, *, ticket_id: int, tenant_id: int, kind: EventKind,
                  ticket: DeskTicket, message: str | None = None, author: str | None = None,
                  origin: Origin = Origin.GROUP, new_ticket: bool = False) -> OutboxEvent | None:
    """Record one event for the school's desk (None when the school has no desk).

    Events that came from the desk are recorded as already delivered: never echoed back.
    `new_ticket` says the ticket was written in this transaction, so it has no mirror yet.
    """
    desks: dict[int, Any] = session.info.setdefault(_DESKS_KEY, {})
    if tenant_id not in desks:
        desks[tenant_id] = await session.scalar(
            select(DeskSetting.kind).where(DeskSetting.tenant_id == tenant_id))
    desk_kind = desks[tenant_id]
    if desk_kind is None:
        return None
    now = utcnow()
    row = OutboxEvent(ticket_id=ticket_id, tenant_id=tenant_id, kind=kind.value, origin=origin,
                      payload=snapshot(ticket, message, author, now), created_at=now,
                      delivered_at=now if origin is Origin.DESK else None, attempts=0,
                      last_error=None)
    gathered: _Gathered | None = session.info.get(_GATHERED_KEY)
    if gathered is not None:
        gathered.rows.append(row)
    else:
        session.add(row)
    await _touch_mirror(session, ticket_id=ticket_id, tenant_id=tenant_id, desk_kind=desk_kind,
                        pending=origin is Origin.GROUP, new_ticket=new_ticket)
    # Not flushed here: the change's next statement or its end writes it, so that the events of
    # one change (an opening's OPENED and ASSIGNED) go in one INSERT.
    if origin is Origin.GROUP:
        announce_after_commit(session, ticket_id)
    return row


async def _touch_mirror(session: AsyncSession, *, ticket_id: int, tenant_id: int, desk_kind: Any,
                        pending: bool, new_ticket: bool = False) -> None:
    """Create the ticket's mirror, or mark it PENDING again; always writes, to take the row lock.

    The row lock orders this transaction with a delivery marking the mirror SYNCED, so a delivery
    never calls a ticket in sync while an event it has not seen is being committed.
    """
    touched: set[tuple[int, bool]] = session.info.setdefault(_TOUCHED_KEY, set())
    if (ticket_id, pending) in touched:
        return  # written earlier in this transaction: its lock is held, its status already set
    touched.add((ticket_id, pending))
    gathered: _Gathered | None = session.info.get(_GATHERED_KEY)
    unwritten = gathered.mirrors.get(ticket_id) if gathered is not None else None
    if unwritten is not None:
        # Created in this batch, not written yet: what the UPDATE below would do, done here.
        if pending and unwritten["status"] is MirrorStatus.SYNCED:
            unwritten["status"] = MirrorStatus.PENDING
        unwritten["updated_at"] = utcnow()
        return
    exists = None if new_ticket else await session.scalar(
        select(Mirror.id).where(Mirror.ticket_id == ticket_id))
    if exists is None:
        values = {"ticket_id": ticket_id, "tenant_id": tenant_id, "desk_kind": desk_kind,
                  "status": MirrorStatus.PENDING if pending else MirrorStatus.SYNCED,
                  "attempts": 0}
        if gathered is not None:
            now = utcnow()
            gathered.mirrors[ticket_id] = {**_MIRROR_DEFAULTS, **values, "created_at": now,
                                           "updated_at": now}
        else:
            session.add(Mirror(**values))
        return
    stmt = update(Mirror).where(Mirror.id == exists)
    if pending:
        stmt = stmt.values(status=_pending_unless_failing())
    else:
        stmt = stmt.values(updated_at=utcnow())
    await session.execute(stmt.execution_options(synchronize_session=False))
    if pending:
        # A SYNCED mirror now waits on this event (the change holds the ticket: no statement).
        await changes.changed(session, ticket_id)


def _pending_unless_failing() -> Any:
    """SYNCED becomes PENDING; FAILED and PAUSED stay as they are (the new event waits behind)."""
    return case((Mirror.status == MirrorStatus.SYNCED, MirrorStatus.PENDING.value),
                else_=Mirror.status)


async def link_remote(session: AsyncSession, ticket_id: int, local_ref: str) -> None:
    """Point a mirror without a local ticket yet at the school's own ticket (no creation)."""
    gathered: _Gathered | None = session.info.get(_GATHERED_KEY)
    unwritten = gathered.mirrors.get(ticket_id) if gathered is not None else None
    if unwritten is not None:
        if unwritten["remote_id"] is None:
            unwritten.update(remote_id=local_ref, remote_ref=local_ref)
        return
    # Only at an opening: no page follows the ticket's mirror yet, nothing to tell.
    await session.execute(update(Mirror).where(Mirror.ticket_id == ticket_id, Mirror.remote_id.is_(None))
                          .values(remote_id=local_ref, remote_ref=local_ref)
                          .execution_options(synchronize_session=False))


# Events announced together (an opening's OPENED and ASSIGNED): their outbox rows, and the new
# ticket's mirror, are gathered while the mirror follower runs, then written through their tables
# at once (`gathering`), instead of by the ORM's unit of work at the next statement.
_GATHERED_KEY = "groupdesk.outbox.gathered"
_OUTBOX = cast(Table, OutboxEvent.__table__)
_MIRROR = cast(Table, Mirror.__table__)
_OUTBOX_COLUMNS = ("ticket_id", "tenant_id", "kind", "payload", "origin", "created_at",
                   "delivered_at", "attempts", "last_error")
_MIRROR_DEFAULTS: dict[str, Any] = {
    "remote_id": None, "remote_ref": None, "last_error": None, "last_synced_at": None,
    "next_attempt_at": None, "claimed_by": None, "claimed_until": None, "local_state": None,
    "divergence": None, "local_closed": False}


_MIRROR_COLUMNS = ("ticket_id", "tenant_id", "desk_kind", "remote_id", "remote_ref", "status",
                   "last_error", "attempts", "last_synced_at", "next_attempt_at", "claimed_by",
                   "claimed_until", "local_state", "divergence", "local_closed", "created_at",
                   "updated_at")
# PostgreSQL: the outbox rows and the new mirror in one statement, their rows bound as two JSON
# arrays. A multi-row VALUES has no cache key, so SQLAlchemy compiled it again for every opening;
# this is one prepared statement whatever the number of rows.
_BOTH = text(
    "WITH new_mirror AS (INSERT INTO mirror (" + ", ".join(_MIRROR_COLUMNS) + ") "
    "SELECT " + ", ".join(f"m.{c}" for c in _MIRROR_COLUMNS) + " "
    "FROM jsonb_to_recordset(CAST(:mirrors AS jsonb)) AS m(ticket_id integer, tenant_id integer, "
    "desk_kind text, remote_id text, remote_ref text, status text, last_error text, "
    "attempts integer, last_synced_at timestamptz, next_attempt_at timestamptz, claimed_by text, "
    "claimed_until timestamptz, local_state text, divergence text, local_closed boolean, "
    "created_at timestamptz, updated_at timestamptz) RETURNING id) "
    "INSERT INTO outbox_event (" + ", ".join(_OUTBOX_COLUMNS) + ") "
    "SELECT " + ", ".join(f"x.{c}" for c in _OUTBOX_COLUMNS) + " "
    "FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS x(ticket_id integer, tenant_id integer, "
    "kind text, payload jsonb, origin text, created_at timestamptz, delivered_at timestamptz, "
    "attempts integer, last_error text) RETURNING id")


def _as_json(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> str:
    """Rows as the JSON array jsonb_to_recordset reads: enums by their stored text, instants in
    ISO 8601 with their offset."""
    def stored(value: Any) -> Any:
        if isinstance(value, dt.datetime):
            return value.isoformat()
        if isinstance(value, Enum):
            return value.value
        return value

    return json.dumps([{column: stored(row[column]) for column in columns} for row in rows],
                      ensure_ascii=False)


@dataclass
class _Gathered:
    rows: list[OutboxEvent] = field(default_factory=list)
    mirrors: dict[int, dict[str, Any]] = field(default_factory=dict)


@asynccontextmanager
async def gathering(session: AsyncSession) -> AsyncIterator[None]:
    """Outbox rows (and new mirrors) enqueued inside are written on the way out: one statement on
    PostgreSQL. Nothing is written if the block fails (its transaction is rolled back anyway)."""
    if _GATHERED_KEY in session.info:
        yield
        return
    gathered = _Gathered()
    session.info[_GATHERED_KEY] = gathered
    try:
        yield
    finally:
        session.info.pop(_GATHERED_KEY, None)
    await _write_gathered(session, gathered)


async def _write_gathered(session: AsyncSession, gathered: _Gathered) -> None:
    mirrors = list(gathered.mirrors.values())
    rows = [{column: getattr(row, column) for column in _OUTBOX_COLUMNS} for row in gathered.rows]
    for values in rows:
        refuse_unstorable_values(values)  # the flush's guard, for rows written without one
    if not rows and not mirrors:
        return
    ids: list[int] = []
    if session.get_bind().dialect.name == "postgresql" and rows:
        # Ids come from the sequence in the order of the array (as the ORM's batches assume of
        # their VALUES).
        ids = sorted((await session.execute(_BOTH, {"rows": _as_json(rows, _OUTBOX_COLUMNS),
                                                    "mirrors": _as_json(mirrors, _MIRROR_COLUMNS)}
                                            )).scalars())
    else:
        for values in mirrors:
            await session.execute(insert(_MIRROR).values(values))
        kinds = [values["kind"] for values in rows]
        if rows and len(set(kinds)) == len(kinds):
            # SQLite returns a multi-row INSERT's rows in no set order: each names itself by kind.
            # Executed for many rows (one cached statement), not a multi-row VALUES, which
            # SQLAlchemy would compile again every time.
            written: dict[str, int] = dict((await session.execute(
                insert(_OUTBOX).returning(_OUTBOX.c.kind, _OUTBOX.c.id), rows)).all())
            ids = [written[kind] for kind in kinds]
        else:  # two of a kind could not be told apart: one at a time
            for values in rows:
                ids.append((await session.execute(
                    insert(_OUTBOX).values(values).returning(_OUTBOX.c.id))).scalar_one())
    for row, row_id in zip(gathered.rows, ids, strict=True):
        row.id = row_id
        make_transient_to_detached(row)  # a row of the session now, as if loaded
        session.add(row)
