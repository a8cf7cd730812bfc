"""Human ticket refs, GRP-<year>-<6 digits>: unique and gapless, from a counter row.

The counter is bumped by one upsert in the ticket's own transaction: a rolled-back opening gives
its number back, and concurrent openings queue on the counter row (PostgreSQL) or on the write lock
(SQLite) instead of racing.

On PostgreSQL the counter row is the one row every opening contends for, locked until COMMIT: an
opening writes its ticket and every row that follows from it under a provisional ref, then takes
the number in its last statement (`settle`), which also writes the ref in place of the provisional
one, in the ticket and in the rows that carry it (history, and whatever the assembly registers with
`carried_by`: the mirror's outbox, notifications, mails). The lock is then held for that statement
and the COMMIT, not across the opening's writes and followers. SQLite has one writer at a time
anyway: the number is taken first there (`next_ref`).

The expert a ticket is routed to has a load row just as contended (expert_load: every opening of
a brick goes to its few experts), changed by a trigger when a ticket becomes theirs and locked
until COMMIT. So an assigned opening is written as the queued ticket it was, and the same last
statement writes its assignment: the trigger takes the expert's row there, not at the INSERT.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any, cast

from sqlalchemy import Table, bindparam, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.orm.attributes import set_committed_value

from server.tickets.models import Ticket, TicketCounter, TicketEvent

SCOPE = "GRP"
_COUNTER = cast(Table, TicketCounter.__table__)
_BUMP: dict[str, Any] = {}
REF = re.compile(r"^GRP-(\d{4})-(\d{6,})$")


def format_ref(year: int, number: int) -> str:
    return f"{SCOPE}-{year}-{number:06d}"


async def next_number(session: AsyncSession, *, year: int, scope: str = SCOPE) -> int:
    """Take the next number of (scope, year); valid only if the caller's transaction commits."""
    dialect = session.get_bind().dialect.name
    stmt = _BUMP.get(dialect)
    if stmt is None:
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        # The table, not the entity: the ORM's bulk-insert path would cost more than the upsert.
        # Built once per dialect, its values bound at each call.
        stmt = _BUMP[dialect] = (
            insert(_COUNTER).values(scope=bindparam("scope"), year=bindparam("year"), last=1)
            .on_conflict_do_update(index_elements=[_COUNTER.c.scope, _COUNTER.c.year],
                                   set_={"last": _COUNTER.c.last + 1})
            .returning(_COUNTER.c.last))
    number: int = (await session.execute(stmt, {"scope": scope, "year": year})).scalar_one()
    return number


async def next_ref(session: AsyncSession, *, year: int) -> str:
    return format_ref(year, await next_number(session, year=year))


# A provisional ref: unique, never a real one (REF does not match it), fits the ref column.
PROVISIONAL = "GRP-PENDING-"
# JSON attributes of rows that name their ticket (`ticket_id`) and may carry its ref.
_carriers: list[InstrumentedAttribute[Any]] = [TicketEvent.data]
_SETTLE: dict[tuple[object, ...], Any] = {}


def carried_by(attribute: InstrumentedAttribute[Any]) -> None:
    """Register a JSON attribute, of a mapped class with a `ticket_id`, that may hold the ref of
    a ticket being opened (registering it again changes nothing)."""
    if attribute not in _carriers:
        _carriers.append(attribute)


def settles_last(session: AsyncSession) -> bool:
    """Whether openings in this session take their number last (`settle`), or first (`next_ref`)."""
    return session.get_bind().dialect.name == "postgresql"


def provisional() -> str:
    return PROVISIONAL + uuid.uuid4().hex[:32 - len(PROVISIONAL)]


def _settle_statement(assigned: bool) -> Any:
    """One statement: the counter's upsert, then the ref written everywhere the provisional one is
    (and, `assigned`, the ticket's assignment)."""
    places = [(a.property.columns[0].table.name, a.property.columns[0].name) for a in _carriers]
    key = (assigned, *(f"{t}.{c}" for t, c in places))
    found = _SETTLE.get(key)
    if found is None:
        updates = "".join(
            f", c{i} AS (UPDATE {table} SET {column} = replace({column}::text, :token, r.ref)::jsonb "
            f"FROM r WHERE {table}.ticket_id = :ticket_id)" for i, (table, column) in enumerate(places))
        found = _SETTLE[key] = text(
            "WITH n AS (INSERT INTO ticket_counter (scope, year, last) VALUES (:scope, :year, 1) "
            "ON CONFLICT (scope, year) DO UPDATE SET last = ticket_counter.last + 1 RETURNING last), "
            "r AS (SELECT :prefix || lpad(last::text, greatest(6, length(last::text)), '0') AS ref "
            "FROM n), "
            "t AS (UPDATE ticket SET ref = r.ref"
            + (", state = :state, assignee_id = :assignee_id, assigned_at = :assigned_at"
               if assigned else "")
            + " FROM r WHERE ticket.id = :ticket_id RETURNING ticket.ref)"
            + f"{updates} SELECT ref FROM t")
    return found


async def settle(session: AsyncSession, ticket: Ticket, *, year: int, assigned: bool = False) -> str:
    """Take the ticket's number, as the transaction's last statement before COMMIT, and write its
    ref where the provisional one was: in the database, and in the rows the session holds.

    `assigned`: the ticket was written queued (server.tickets.inserts.insert_ticket's `queued_as`)
    and this statement writes its assignment as the session holds it."""
    token = ticket.ref
    assert token.startswith(PROVISIONAL), token
    await session.flush()  # every row carrying the provisional ref is written before
    values: dict[str, Any] = {"scope": SCOPE, "year": year, "prefix": f"{SCOPE}-{year}-",
                              "token": token, "ticket_id": ticket.id}
    if assigned:
        values.update(state=ticket.state.name, assignee_id=ticket.assignee_id,
                      assigned_at=ticket.assigned_at)
    ref: str = (await session.execute(_settle_statement(assigned), values)).scalar_one()
    set_committed_value(ticket, "ref", ref)
    for obj in list(session.identity_map.values()):
        for attribute in _carriers:
            if (isinstance(obj, attribute.property.parent.class_)
                    and getattr(obj, "ticket_id", None) == ticket.id):
                value = obj.__dict__.get(attribute.key)
                if value is not None:
                    set_committed_value(obj, attribute.key,
                                        json.loads(json.dumps(value).replace(token, ref)))
    return ref
