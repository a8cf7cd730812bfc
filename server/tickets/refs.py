"""Human ticket refs, GRP-<year>-<6 digits>: unique and gapless, from a counter row.

The counter is bumped by one upsert in the ticket's own transaction: a rolled-back opening gives
its number back, and concurrent openings queue on the counter row (PostgreSQL) or on the write lock
(SQLite) instead of racing.
"""

from __future__ import annotations

import re
from typing import Any, cast

from sqlalchemy import Table, bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from server.tickets.models import TicketCounter

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
