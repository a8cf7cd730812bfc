"""The bulk generator numbers refs per year, sets each counter from the numeric maximum, and
leaves a search index equal to what the triggers would have built."""

from __future__ import annotations

from sqlalchemy import func, select, text

from bench import tickets_data
from bench.tickets_data import load_tickets, prepare
from server.db import create_engine, session_factory, writer_session
from server.tickets.models import Ticket, TicketCounter
from server.tickets.refs import next_number
from tests.conftest import drop_database, new_database


async def test_refs_restart_each_year_and_counters_follow_the_numeric_maximum(backend, tmp_path,
                                                                              monkeypatch) -> None:
    url = await new_database(backend, tmp_path)
    engine = create_engine(url)
    monkeypatch.setattr(tickets_data, "BATCH", 97)  # several batches, numbers across them
    try:
        await prepare(engine)
        await load_tickets(engine, 600)
        async with session_factory(engine)() as session:
            refs = list(await session.scalars(select(Ticket.ref).order_by(Ticket.id)))
            by_year: dict[int, list[int]] = {}
            for ref in refs:
                by_year.setdefault(int(ref[4:8]), []).append(int(ref[9:]))
            assert len(by_year) >= 2
            for numbers in by_year.values():
                assert numbers == list(range(1, len(numbers) + 1))  # gapless, from 1 each year
            counters = {c.year: c.last for c in await session.scalars(select(TicketCounter))}
            assert counters == {year: len(numbers) for year, numbers in by_year.items()}
            # Every ticket is in the search index, and the rare word is found.
            indexed = await session.scalar(text("SELECT count(*) FROM ticket_fts"))
            assert indexed == await session.scalar(select(func.count()).select_from(Ticket))
        async with writer_session(session_factory(engine)) as session:
            # Past the millionth ticket of a year, the counter still moves on numerically.
            await session.execute(text("UPDATE ticket_counter SET last = 999999 WHERE year = 2025"))
            assert await next_number(session, year=2025) == 1_000_000
    finally:
        await engine.dispose()
        await drop_database(url)
