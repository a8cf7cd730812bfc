"""A new ticket's row written through its table, not through the ORM's unit of work.

An opening writes one ticket of some forty columns; the unit of work (its flush plan, the
per-column history, the bulk-insert machinery) cost more than the INSERT itself. `insert_ticket`
sends one INSERT with every column, takes the id back, and puts the ticket in the session as if
it had been loaded: later changes to it are flushed as usual, and the session finds it by id.

What the flush did for a new ticket is done here too: column defaults filled in the object, the
storable-text guard (server.storable), and the ticket's id noted in the session
(`INSERTED_KEY`) so that live updates know it was opened in this transaction (no "before").
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached

from server.storable import refuse_unstorable_values
from server.tickets.models import Ticket
from server.tickets.workflow import TicketState

# Ids of tickets this session's transaction inserted through `insert_ticket`.
INSERTED_KEY = "groupdesk.tickets.inserted"

_TABLE = cast(Table, Ticket.__table__)
# (attribute key, column) of every column the INSERT writes: not the id, not computed ones.
_WRITTEN = [(attr.key, attr.columns[0]) for attr in Ticket.__mapper__.column_attrs
            if not attr.columns[0].primary_key and attr.columns[0].computed is None]
# Every column is written with its Python-side value: a default only the database knows would be
# replaced by NULL here, so a column that has one must say it in Python too (as sla_state does).
_DATABASE_ONLY = [column.name for _, column in _WRITTEN
                  if column.server_default is not None and column.default is None]
if _DATABASE_ONLY:
    raise RuntimeError(f"ticket columns with a database default and none in Python: {_DATABASE_ONLY}")
# Built once; its compiled form is cached (the same columns are bound at every opening).
_INSERT = insert(_TABLE).returning(_TABLE.c.id)


def _default(column: Any) -> Any:
    """The column's Python-side default, as the flush would have applied it (None: none)."""
    default = column.default
    if default is None:
        return None
    if default.is_scalar:
        return default.arg
    if default.is_callable:
        return default.arg(None)  # SQLAlchemy wraps a zero-argument callable to take a context
    return None


async def insert_ticket(session: AsyncSession, ticket: Ticket, *,
                        queued_as: TicketState | None = None) -> int:
    """Write a new (transient) ticket in one INSERT and make it a row of the session; its id.

    `queued_as`: the row is written as the ticket was before routing assigned it (in that state,
    with no assignee), and the session holds it assigned: its last statement writes the
    assignment (server.tickets.refs.settle), so the expert's load row is locked from there to
    COMMIT only."""
    values = ticket.__dict__
    for key, column in _WRITTEN:
        if key not in values:
            setattr(ticket, key, _default(column))
    refuse_unstorable_values({key: values[key] for key, _ in _WRITTEN})
    row = {column.name: values[key] for key, column in _WRITTEN}
    if queued_as is not None:
        row.update(state=queued_as, assignee_id=None, assigned_at=None)
    ticket_id: int = (await session.execute(_INSERT, row)).scalar_one()
    ticket.id = ticket_id
    make_transient_to_detached(ticket)  # as if loaded: its attributes are the stored values
    session.add(ticket)
    session.info.setdefault(INSERTED_KEY, set()).add(ticket_id)
    return ticket_id
