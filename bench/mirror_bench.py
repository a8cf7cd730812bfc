"""Mirror delivery benchmark: 10,000 outbox events to a loopback webhook desk through Redis.

    python -m bench.mirror_bench [--events 10000] [--tickets 500] [--workers 1,2] [--threads 8]
                                 [--database postgres|sqlite] [--redis redis://127.0.0.1:6379/14]

For each worker count: a fresh database with the demo federation, INSA Toulouse's webhook desk
pointed at a receiver on 127.0.0.1, N `groupdesk worker` processes on Redis.

1. Throughput: the producer opens tickets with the ticket service (OPENED + ASSIGNED events) and
   adds public-comment events through the outbox in transactions of 100, sending "deliver ticket
   N" to Redis after each commit, while no worker runs. Then the workers start and drain the
   backlog: events / (last delivered_at - first delivered_at).
2. Lag: with the workers running, more comment events are committed at a steady rate (--live-rate,
   each commit announcing its tickets); lag is outbox created_at -> delivered_at, p50 and p99.

Results go to the "Mirror delivery" section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import signal
import subprocess
import sys
import time
from pathlib import Path
from statistics import quantiles

from sqlalchemy import select

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "RESULTS.md"
SECTION = "## Mirror delivery"
SECRET_VAR, SECRET = "GROUPDESK_DESK_INSA_TOULOUSE_SECRET", "whsec_YmVuY2gtc2VjcmV0LWZvci1taXJyb3Jz"
AGENT, SCHOOL = "oriane.lasbordes", "insa-toulouse"
FORM = {"account_email": "bench@insa-toulouse.example.org", "platform": "scenari-pedagogie",
        "role": "author"}


async def fresh_database(kind: str, directory: Path) -> str:
    from tests.conftest import new_database  # the suite's helper: a new, empty database

    return await new_database(kind if kind == "sqlite" else "postgres", directory)


async def prepare(url: str, receiver_url: str) -> None:
    from server import migrations
    from server.db import create_engine, session_factory, writer_session
    from server.identity.models import Tenant
    from server.importing import import_federation
    from server.mirror.desks import check_spec, store_desk
    from tenants.federation import demo_federation_path, load_federation

    engine = create_engine(url)
    await migrations.upgrade(engine)
    async with writer_session(session_factory(engine)) as session:
        await import_federation(session, load_federation(demo_federation_path()))
        tenant = await session.scalar(select(Tenant).where(Tenant.slug == SCHOOL))
        await store_desk(session, tenant, check_spec({
            "kind": "webhook", "url": receiver_url, "credentials": {"secret_env": SECRET_VAR}}))
    await engine.dispose()


def start_workers(url: str, redis: str, count: int, threads: int, log: Path) -> list[subprocess.Popen]:
    env = {**os.environ, SECRET_VAR: SECRET, "GROUPDESK_DATABASE_URL": url,
           "GROUPDESK_BROKER_URL": redis, "GROUPDESK_RELAY_INTERVAL_SECONDS": "1",
           "GROUPDESK_LOG_LEVEL": "WARNING"}
    with log.open("ab") as out:
        return [subprocess.Popen([sys.executable, "-m", "groupdesk.cli", "worker", "--threads", str(threads)]
                                 + (["--no-sweep"] if i else []), cwd=ROOT, env=env, stdout=out,
                                 stderr=subprocess.STDOUT) for i in range(count)]


async def produce(url: str, events: int, tickets: int) -> None:
    """Open tickets, then add comment events round-robin, sending a message after each commit."""
    from server.catalog.models import SubService
    from server.db import create_engine, session_factory, writer_session
    from server.identity.auth import principal_of
    from server.identity.models import Tenant, User
    from server.jobs.actors import deliver_ticket
    from server.mirror import outbox
    from server.mirror.follow import desk_ticket
    from server.tickets.models import Ticket
    from server.tickets.service import open_ticket
    from tenants.desks import EventKind

    engine = create_engine(url)
    sessions = session_factory(engine)
    unsubscribe = outbox.subscribe(lambda ids: [deliver_ticket.send(i) for i in sorted(ids)])
    try:
        async with sessions() as session:
            user = await session.scalar(select(User).where(User.username == AGENT))
            tenant = await session.get(Tenant, user.tenant_id)
            agent = await principal_of(session, user, tenant)
            sub_id = await session.scalar(select(SubService.id).where(SubService.name == "Account creation"))
        ids: list[int] = []
        for n in range(tickets):
            async with writer_session(sessions) as session:
                ticket = await open_ticket(session, actor=agent, sub_service_id=sub_id,
                                           title=f"Bench ticket {n}", request_data=FORM)
                ids.append(ticket.id)
        produced = await _count(sessions)
        n = 0
        while produced < events:
            batch = min(100, events - produced)
            async with writer_session(sessions) as session:
                for _ in range(batch):
                    ticket = await session.get(Ticket, ids[n % len(ids)])
                    await outbox.enqueue(session, ticket_id=ticket.id, tenant_id=ticket.tenant_id,
                                         kind=EventKind.COMMENTED, ticket=await desk_ticket(session, ticket),
                                         message=f"Bench comment {n}", author="Bench")
                    n += 1
            produced += batch
    finally:
        unsubscribe()
        await engine.dispose()


async def _count(sessions) -> int:
    from sqlalchemy import func

    from server.mirror.models import OutboxEvent

    async with sessions() as session:
        return await session.scalar(select(func.count()).select_from(OutboxEvent))


async def delivered_rows(url: str, after_id: int = 0) -> list[tuple]:
    from server.db import create_engine, session_factory
    from server.mirror.models import OutboxEvent

    engine = create_engine(url)
    async with session_factory(engine)() as session:
        rows = (await session.execute(select(OutboxEvent.created_at, OutboxEvent.delivered_at)
                                      .where(OutboxEvent.id > after_id))).all()
    await engine.dispose()
    return rows


async def last_id(url: str) -> int:
    from sqlalchemy import func

    from server.db import create_engine, session_factory
    from server.mirror.models import OutboxEvent

    engine = create_engine(url)
    async with session_factory(engine)() as session:
        value = await session.scalar(select(func.max(OutboxEvent.id)))
    await engine.dispose()
    return value or 0


async def produce_steadily(url: str, events: int, rate: float) -> None:
    """Comment events on the existing tickets at `rate` per second, in ticks of 0.1 s."""
    from server.db import create_engine, session_factory, writer_session
    from server.jobs.actors import deliver_ticket
    from server.mirror import outbox
    from server.mirror.follow import desk_ticket
    from server.tickets.models import Ticket
    from tenants.desks import EventKind

    engine = create_engine(url)
    sessions = session_factory(engine)
    unsubscribe = outbox.subscribe(lambda ids: [deliver_ticket.send(i) for i in sorted(ids)])
    try:
        async with sessions() as session:
            ids = list(await session.scalars(select(Ticket.id).order_by(Ticket.id)))
        per_tick, made, started = max(1, round(rate / 10)), 0, time.monotonic()
        while made < events:
            async with writer_session(sessions) as session:
                for _ in range(min(per_tick, events - made)):
                    ticket = await session.get(Ticket, ids[made % len(ids)])
                    await outbox.enqueue(session, ticket_id=ticket.id, tenant_id=ticket.tenant_id,
                                         kind=EventKind.COMMENTED, ticket=await desk_ticket(session, ticket),
                                         message=f"Live comment {made}", author="Bench")
                    made += 1
            await asyncio.sleep(max(0.0, started + made / rate - time.monotonic()))
    finally:
        unsubscribe()
        await engine.dispose()


async def pending(url: str) -> int:
    from sqlalchemy import func

    from server.db import create_engine, session_factory
    from server.mirror.models import OutboxEvent

    engine = create_engine(url)
    async with session_factory(engine)() as session:
        left = await session.scalar(select(func.count()).where(OutboxEvent.delivered_at.is_(None)))
    await engine.dispose()
    return left


async def drain(url: str, timeout: float, directory: Path) -> None:
    deadline = time.monotonic() + timeout
    while await pending(url):
        if time.monotonic() > deadline:
            raise SystemExit(f"not drained after {timeout} s; see {directory / 'workers.log'}")
        await asyncio.sleep(0.2)


async def run_one(args: argparse.Namespace, workers: int, directory: Path) -> dict[str, float]:
    from bench.receiver import CountingReceiver
    from tests.conftest import drop_database
    from tests.support.live_server import free_port

    receiver = CountingReceiver(free_port())
    receiver.start()
    url = await fresh_database(args.database, directory)
    procs: list[subprocess.Popen] = []
    try:
        await prepare(url, receiver.url)
        await produce(url, args.events, args.tickets)  # no worker yet: a backlog, messages in Redis
        procs = start_workers(url, args.redis, workers, args.threads, directory / "workers.log")
        await drain(url, args.timeout, directory)
        rows = await delivered_rows(url)
        first = min(d for _, d in rows)
        span = (max(d for _, d in rows) - first).total_seconds()
        throughput = len(rows) / span
        mark = await last_id(url)
        await produce_steadily(url, args.live_events, args.live_rate)
        await drain(url, args.timeout, directory)
        live = await delivered_rows(url, mark)
        lags = sorted((d - c).total_seconds() * 1000 for c, d in live)
        cuts = quantiles(lags, n=100)
        return {"delivered": len(rows), "seconds": span, "throughput": throughput,
                "live_events": len(live), "live_rate": args.live_rate, "p50": cuts[49],
                "p99": cuts[98], "received": receiver.count(),
                "repeats": sum(receiver.repeats.values())}
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        receiver.stop()
        await drop_database(url)


def write_results(args: argparse.Namespace, results: dict[int, dict[str, float]]) -> str:
    load = os.getloadavg()[0]
    lines = [SECTION, "",
             f"{args.events:,} events ({args.tickets} tickets opened by the ticket service, then public "
             f"comments) delivered through Redis to a loopback Standard Webhooks receiver by "
             f"`groupdesk worker` processes ({args.threads} threads each), {args.database} database, "
             f"{os.cpu_count()} cores shared with the producer, the receiver, PostgreSQL and Redis, "
             f"Python {platform.python_version()}; load average {load:.1f} when it ended.", "",
             "Throughput: the backlog drained from the first to the last delivery. Lag: "
             f"{args.live_events:,} more events committed at a steady {args.live_rate:g} per second while "
             "the workers run (one delivery per event, the costly case), "
             "outbox `created_at` to `delivered_at`.", "",
             "| workers | delivered | received (unique) | repeats | drain s | events/s | live rate/s "
             "| lag p50 ms | lag p99 ms |",
             "|---|---|---|---|---|---|---|---|---|"]
    for workers, r in results.items():
        lines.append(f"| {workers} | {r['delivered']:,.0f} | {r['received']:,.0f} | {r['repeats']:.0f} | "
                     f"{r['seconds']:.1f} | {r['throughput']:,.0f} | {r['live_rate']:.0f} | "
                     f"{r['p50']:.0f} | {r['p99']:.0f} |")
    lines += ["",
              "- `received (unique)` counts the webhook ids the receiver saw (the backlog plus the live "
              "events); `repeats` counts deliveries it saw more than once.",
              "- Per event a worker spends three short transactions (claim, mark delivered and release, "
              "plus a read) and one HTTP request; a ticket's backlog is delivered under one claim.",
              "- The 2 cores also run the producer, PostgreSQL, Redis and the receiver (and, on a shared "
              "machine, other work: see the load average), so a second worker process adds little here.",
              "", "Reproduce: `python -m bench.mirror_bench` (PostgreSQL and Redis on 127.0.0.1).", ""]
    section = "\n".join(lines)
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n\n"
    if SECTION in text:  # replace our section only; other benchmarks keep theirs
        start = text.index(SECTION)
        following = text.find("\n## ", start + len(SECTION))
        text = text[:start] + section + (text[following + 1:] if following != -1 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    RESULTS.write_text(text)
    return section


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--tickets", type=int, default=500)
    parser.add_argument("--workers", default="1,2", help="worker process counts to compare")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--database", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--live-events", type=int, default=2_000)
    parser.add_argument("--live-rate", type=float, default=50.0, help="events per second")
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args(argv)

    from groupdesk.wiring import register_followers
    from server.jobs import broker

    register_followers()  # tickets opened here write their outbox rows, as in production

    broker.install(args.redis)
    import tempfile

    results = {}
    for workers in [int(w) for w in args.workers.split(",")]:
        with tempfile.TemporaryDirectory() as directory:
            results[workers] = asyncio.run(run_one(args, workers, Path(directory)))
        print(f"{workers} worker(s): {results[workers]}", flush=True)
    print(write_results(args, results))


if __name__ == "__main__":
    main()
