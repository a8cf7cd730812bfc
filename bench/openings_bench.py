"""Openings benchmark: the CPU one opening costs, in-process, on PostgreSQL (or SQLite).

    python -m bench openings [--tickets 20000] [--openings 300] [--clients 32] [--profile N]
                             [--database-url URL]

A fresh database (migrations, the demo federation, N bulk-loaded tickets, as `python -m bench
tickets` builds it), then in one process:

- **one at a time**: `--openings` tickets opened one after the other through
  `server.tickets.service.open_ticket` by a school agent, each in its own writer transaction as a
  mutation does (after 20 warm-up openings); the bench process's CPU time per opening (Python,
  SQLAlchemy, the driver) and, on PostgreSQL, the CPU of the database backends serving it (read
  from /proc), and the statements each opening sends;
- **concurrently**: `--clients` tasks opening tickets at once (openings per second, p50/p99),
  and how long each held the ref counter's row lock (from its upsert's answer to the COMMIT being
  sent: the wait for the lock is not counted);
- `--profile N`: the sequential openings again under cProfile, its N most costly functions
  (cumulative and own time) printed.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import event, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench import machine
from bench.load_driver import cpu_seconds, spent
from bench.tickets_bench import AGENT, OPENING, _principal, fresh_database, progress
from bench.tickets_data import load_tickets, prepare
from server.catalog.models import Brick, Service, SubService
from server.db import create_engine, session_factory, writer_session
from server.tickets.service import open_ticket

WARM_UP = 20
# When the connection's transaction took the ref counter (its row stays locked until COMMIT).
_COUNTER_TAKEN = "bench.counter_taken"


async def _backend_pids(engine: AsyncEngine) -> list[int]:
    if engine.dialect.name != "postgresql":
        return []
    async with engine.connect() as conn:
        return list((await conn.execute(text(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"))).scalars())


async def run_backend(url: str, args: argparse.Namespace) -> dict[str, Any]:
    engine = create_engine(url, pool_size=args.clients + 2)
    statements = 0

    holds: list[float] = []

    def count(*_: Any) -> None:
        nonlocal statements
        statements += 1

    def taken(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        # The upsert has returned: the lock is this transaction's (the wait for it is not counted).
        if "INSERT INTO ticket_counter" in statement:
            conn.info[_COUNTER_TAKEN] = time.perf_counter()

    def committing(conn: Any) -> None:
        taken = conn.info.pop(_COUNTER_TAKEN, None)
        if taken is not None:
            holds.append((time.perf_counter() - taken) * 1000)

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    event.listen(engine.sync_engine, "after_cursor_execute", taken)
    event.listen(engine.sync_engine, "commit", committing)
    try:
        started = time.perf_counter()
        if args.database_url is None:
            progress(f"loading {args.tickets:,} tickets")
            await prepare(engine)
            await load_tickets(engine, args.tickets)
        results: dict[str, Any] = {"load_seconds": time.perf_counter() - started}
        async with engine.connect() as conn:
            results["tickets"] = (await conn.execute(text("SELECT count(*) FROM ticket"))).scalar()
        agent = await _principal(engine, AGENT)
        brick, service, sub, form = OPENING
        async with session_factory(engine)() as s:
            sub_id = await s.scalar(
                select(SubService.id).join(Service).join(Brick)
                .where(Brick.code == brick, Service.name == service, SubService.name == sub))
            assert sub_id is not None
            results["database"] = (await s.execute(text(
                "SELECT sqlite_version()" if engine.dialect.name == "sqlite"
                else "SHOW server_version"))).scalar()
        sessions = session_factory(engine)
        serial = 0

        async def one() -> None:
            nonlocal serial
            serial += 1
            async with writer_session(sessions) as session:
                await open_ticket(session, actor=agent, sub_service_id=sub_id,
                                  title=f"Bench opening {serial}", request_data=form)

        for _ in range(WARM_UP):
            await one()
        # Every pooled connection's backend: the sequential openings use one of them.
        pids = await _backend_pids(engine)
        results["sequential"] = await _sequential(one, args.openings, pids, lambda: statements)
        progress(f"{args.clients} concurrent clients")
        holds.clear()
        results["concurrent"] = await _concurrent(one, args.clients, args.openings)
        cuts = statistics.quantiles(holds, n=100, method="inclusive")
        results["concurrent"] |= {"hold_p50_ms": statistics.median(holds), "hold_p99_ms": cuts[98]}
        if args.profile:
            progress("profile")
            results["profile"] = await _profile(one, args.openings, args.profile)
        return results
    finally:
        await engine.dispose()


async def _sequential(one: Callable[[], Awaitable[None]], n: int, pids: list[int],
                      statements: Callable[[], int]) -> dict[str, float]:
    progress(f"{n} openings one after the other")
    database_before = cpu_seconds(pids)
    sent_before = statements()
    cpu_before, wall_before = time.process_time(), time.perf_counter()
    timings = []
    for _ in range(n):
        started = time.perf_counter()
        await one()
        timings.append((time.perf_counter() - started) * 1000)
    cpu, wall = time.process_time() - cpu_before, time.perf_counter() - wall_before
    database = spent(database_before, cpu_seconds(pids))
    return {"python_cpu_ms": cpu * 1000 / n, "database_cpu_ms": database * 1000 / n,
            "statements": (statements() - sent_before) / n, "per_second": n / wall,
            "p50_ms": statistics.median(timings)}


async def _concurrent(one: Callable[[], Awaitable[None]], clients: int, n: int) -> dict[str, float]:
    per_client = max(1, n // clients)
    timings: list[float] = []

    async def client() -> None:
        for _ in range(per_client):
            started = time.perf_counter()
            await one()
            timings.append((time.perf_counter() - started) * 1000)

    cpu_before, started = time.process_time(), time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_before
    cuts = statistics.quantiles(timings, n=100, method="inclusive")
    return {"per_second": len(timings) / elapsed, "p50_ms": statistics.median(timings),
            "p99_ms": cuts[98], "python_cpu_ms": cpu * 1000 / len(timings)}


async def _profile(one: Callable[[], Awaitable[None]], n: int, top: int) -> str:
    # CPU time, not wall time: waits on the database are not the opening's cost here.
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(n):
        await one()
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    # Own time by where the code lives: groupdesk, each library, the standard library.
    shares: dict[str, float] = {}
    for (filename, _, _), (_, _, own, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        place = ("groupdesk" if "site-packages" not in filename and "/lib/python" not in filename
                 else filename.split("site-packages/")[1].split("/")[0] if "site-packages" in filename
                 else "standard library")
        shares[place] = shares.get(place, 0.0) + own
    total = sum(shares.values())
    out.write("own time by package, ms per opening (under the profiler):\n")
    for place, own in sorted(shares.items(), key=lambda kv: -kv[1])[:12]:
        out.write(f"  {place:<20} {own * 1000 / n:6.2f}  {own / total:5.1%}\n")
    return out.getvalue()


async def main_async(args: argparse.Namespace) -> None:
    print(machine.describe())
    for backend in args.backends.split(","):
        if args.database_url is not None:
            url = args.database_url

            async def drop() -> None:
                pass  # kept: it was given loaded
        else:
            url, drop = await fresh_database(backend)
        try:
            results = await run_backend(url, args)
        finally:
            await drop()
        seq, conc = results["sequential"], results["concurrent"]
        print(f"\n### {backend} ({results['database']}), {results['tickets']:,} tickets\n")
        print("| | per second | p50 ms | p99 ms | Python CPU ms | database CPU ms | statements |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        print(f"| one at a time ({args.openings}) | {seq['per_second']:.0f} | {seq['p50_ms']:.1f} | "
              f"- | {seq['python_cpu_ms']:.2f} | {seq['database_cpu_ms']:.2f} | "
              f"{seq['statements']:.1f} |")
        print(f"| {args.clients} concurrent clients | {conc['per_second']:.0f} | "
              f"{conc['p50_ms']:.1f} | {conc['p99_ms']:.1f} | {conc['python_cpu_ms']:.2f} | - | - |")
        print(f"\nWith {args.clients} clients, the ref counter's row stays locked once taken until "
              f"the COMMIT for {conc['hold_p50_ms']:.1f} ms at p50, {conc['hold_p99_ms']:.1f} ms at p99.")
        if "profile" in results:
            print(results["profile"])


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench openings", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=20_000)
    parser.add_argument("--backends", default="postgres")
    parser.add_argument("--openings", type=int, default=300)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--database-url", help="a migrated, loaded database (kept afterwards)")
    parser.add_argument("--profile", type=int, default=0, help="print the N costliest functions")
    from groupdesk.wiring import register_followers

    register_followers()  # the openings write their outbox rows, notifications and SLA, as served
    asyncio.run(main_async(parser.parse_args(argv)))
