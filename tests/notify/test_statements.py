"""The follower's cost per event: one SELECT of the people concerned, one INSERT per table (both
tables in one statement on PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from tests.notify.helpers import open_account_ticket
from tests.tickets.helpers import LYON_AGENT


async def test_an_opening_costs_the_notifications_three_statements_two_on_postgresql(
        session: AsyncSession, engine: AsyncEngine, backend: str) -> None:
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(" ".join(statement.split()))

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        await open_account_ticket(session, LYON_AGENT)  # OPENED tells nobody; ROUTED tells four people
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)
    ours = [s for s in statements if "INTO notification " in s or "INTO mail_outbox " in s
            or "notification_preference" in s]
    assert len(ours) == (2 if backend == "postgres" else 3), ours
    assert sum("INTO notification " in s for s in ours) == 1
    assert sum("INTO mail_outbox " in s for s in ours) == 1
