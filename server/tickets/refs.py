"""Human ticket refs, GRP-<year>-<6 digits>: unique and gapless, from a counter row.

The counter is bumped by one upsert in the ticket's own transaction: a rolled-back opening gives
its number back, and concurrent openings queue on the counter row (PostgreSQL) or on the write lock
(SQLite) instead of racing.
"""

from __future__ import annotations

import re

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from server.tickets.models import TicketCounter

SCOPE = "GRP"
REF = re.compile(r"^GRP-(\d{4})-(\d{6,})$")


def format_ref(year: int, number: int) -> str:
    return f"{SCOPE}-{year}-{number:06d}"


async def next_number(session: AsyncSession, *, year: int, scope: str = SCOPE) -> int:
    """Take the next number of (scope, year); valid only if the caller's transaction commits."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (insert(TicketCounter).values(scope=scope, year=year, last=1)
            .on_conflict_do_update(index_elements=[TicketCounter.scope, TicketCounter.year],
                                   set_={"last": TicketCounter.last + 1})
            .returning(TicketCounter.last))
    return (await session.execute(stmt)).scalar_one()


async def next_ref(session: AsyncSession, *, year: int) -> str:
    return format_ref(year, await next_number(session, year=year))
