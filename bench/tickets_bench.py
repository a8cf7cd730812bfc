"""Tickets benchmark: openings per second under concurrency, and list/search latencies at 100k.

    python -m bench tickets [--tickets 100000] [--backends sqlite,postgres] [--clients 16]

Each backend gets a fresh database (a file, or a PostgreSQL database created and dropped here),
migrated, with the demo federation and N bulk-loaded tickets. Then, in one process:

- openings per second: `--clients` concurrent tasks open tickets through the service, each in
  its own writer transaction (as the API does), routing included;
- p50/p99 of single-client reads through the service: a filtered first page, a deep keyset
  page (90% down the list), the same page by OFFSET for comparison, a text search, and one
  GraphQL page of 20 tickets with all their relations, in-process over HTTP.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bench import machine
from bench.tickets_data import load_tickets, prepare
from server.catalog.models import Brick, Service, SubService
from server.cursors import encode_cursor
from server.db import create_engine, session_factory, writer_session
from server.identity.auth import principal_of
from server.identity.models import Tenant, User
from server.tickets import listing
from server.tickets.listing import PageArgs, TicketFilter, TicketPage
from server.tickets.models import Ticket
from server.tickets.ordering import TicketOrder
from server.tickets.service import open_ticket
from server.tickets.workflow import TicketState
from tenants.context import Principal

POSTGRES_ADMIN_URL = os.environ.get("GROUPDESK_BENCH_POSTGRES_URL",
                                    "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
ADMIN, AGENT = "valentine.orsembaud", "amandine.roclerc"
OPENING = ("scenari", "Account management", "Account creation",
           {"account_email": "new.author@insa-lyon.example.org", "platform": "scenari-pedagogie",
            "role": "author"})
PAGE_QUERY = """query($text: String) { tickets(first: 20, filter: {text: $text}) { totalCount
  edges { node { ref title state priority brick { code } service { name } subService { name }
  school { slug } openedBy { username } assignee { username }
  lastComments(count: 2) { body author { username } } } } } }"""

Measure = Callable[[], Awaitable[Any]]


async def _principal(engine: AsyncEngine, username: str) -> Principal:
    async with session_factory(engine)() as s:
        user = await s.scalar(select(User).where(User.username == username))
        assert user is not None
        tenant = await s.get(Tenant, user.tenant_id)
        assert tenant is not None
        return await principal_of(s, user, tenant)


@dataclass(frozen=True, slots=True)
class Openings:
    per_second: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    # SQLite: writers that waited longer than the busy timeout and gave up ("database is locked").
    failed: int


async def openings(engine: AsyncEngine, clients: int, per_client: int) -> Openings:
    """`clients` tasks each open `per_client` tickets, one writer transaction per opening."""
    agent = await _principal(engine, AGENT)
    brick, service, sub, form = OPENING
    async with session_factory(engine)() as s:
        sub_id = await s.scalar(
            select(SubService.id).join(Service).join(Brick)
            .where(Brick.code == brick, Service.name == service, SubService.name == sub))
    sessions = session_factory(engine)
    timings: list[float] = []
    failed = 0

    async def client(k: int) -> None:
        nonlocal failed
        for n in range(per_client):
            started = time.perf_counter()
            try:
                async with writer_session(sessions) as session:
                    await open_ticket(session, actor=agent, sub_service_id=sub_id,
                                      title=f"Bench opening {k}-{n}", request_data=form)
            except OperationalError:
                failed += 1
                continue
            timings.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(client(k) for k in range(clients)))
    elapsed = time.perf_counter() - started
    p50, p99 = _percentiles(timings)
    return Openings(per_second=len(timings) / elapsed, p50_ms=p50, p99_ms=p99,
                    max_ms=max(timings), failed=failed)


def _percentiles(timings: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(timings, n=100, method="inclusive")
    return statistics.median(timings), cuts[98]


async def latencies(measure: Measure, samples: int) -> tuple[float, float]:
    """p50 and p99 in milliseconds, after two warm-up runs."""
    for _ in range(2):
        await measure()
    timings = []
    for _ in range(samples):
        started = time.perf_counter()
        await measure()
        timings.append((time.perf_counter() - started) * 1000)
    return _percentiles(timings)


async def _reads(engine: AsyncEngine, total_tickets: int) -> dict[str, Measure]:
    sessions = session_factory(engine)
    admin, agent = await _principal(engine, ADMIN), await _principal(engine, AGENT)
    async with sessions() as s:
        scenari = await s.scalar(select(Brick.id).where(Brick.code == "scenari"))
        deep = await s.scalar(select(Ticket).order_by(Ticket.created_at.desc(), Ticket.id.desc())
                              .offset(total_tickets * 9 // 10).limit(1))
    cursor = encode_cursor(TicketOrder(), deep)
    open_on_scenari = TicketFilter(brick_ids=frozenset({scenari}), states=frozenset(
        {TicketState.ASSIGNED, TicketState.IN_PROGRESS, TicketState.PENDING}))

    def page(viewer: Principal, filter: TicketFilter | None = None, *,
             after: str | None = None) -> Measure:
        async def run() -> None:
            async with sessions() as s:
                await listing.list_tickets(s, viewer=viewer, filter=filter,
                                           page=PageArgs(first=20, after=after))
        return run

    def total(viewer: Principal, filter: TicketFilter) -> Measure:
        async def run() -> None:
            async with sessions() as s:
                where = await listing.where_visible(s, viewer=viewer, filter=filter)
                await listing.count(s, TicketPage([], [], False, False, model=Ticket, where=tuple(where)))
        return run

    async def by_offset() -> None:
        async with sessions() as s:
            list(await s.scalars(select(Ticket).order_by(Ticket.created_at.desc(),
                                                         Ticket.id.desc())
                                 .offset(total_tickets * 9 // 10).limit(20)))

    closed = TicketFilter(states=frozenset({TicketState.CLOSED}))
    common, rare = TicketFilter(text="connexion compte"), TicketFilter(text="tomographie")
    return {
        "filtered first page (admin: one brick, open states)": page(admin, open_on_scenari),
        "totalCount of that filtered list": total(admin, open_on_scenari),
        "school agent's first page (visibility: own school, CLOSED)": page(agent, closed),
        "totalCount of the school agent's list": total(agent, closed),
        "deep keyset page (after a cursor 90% down)": page(admin, after=cursor),
        "same deep page by OFFSET (comparison only, not offered)": by_offset,
        "text search, common words (\"connexion compte\"), first page": page(admin, common),
        "totalCount of the common-words search": total(admin, common),
        "text search, rare word (\"tomographie\", 0.1%), school agent": page(agent, rare),
    }


@contextlib.asynccontextmanager
async def _graphql_page(engine: AsyncEngine) -> AsyncIterator[Measure]:
    import httpx

    from groupdesk.app import create_app
    from server.config import Settings

    with tempfile.TemporaryDirectory() as directory:
        settings = Settings(database_url="sqlite+aiosqlite:///unused.db",
                            dev_issuer_key_file=Path(directory) / "bench-issuer.json",
                            demo_federation=False, migrate_on_start=False, _env_file=None)
        app = create_app(settings, engine=engine)
        token = app.state.runtime.local_issuer.sign(ADMIN, username=ADMIN)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://bench") as client:
            async def run() -> None:
                response = await client.post("/graphql", json={"query": PAGE_QUERY},
                                             headers={"Authorization": f"Bearer {token}"})
                assert response.status_code == 200 and "errors" not in response.json(), \
                    response.text
            yield run


async def run_backend(url: str, *, tickets: int, clients: int, per_client: int,
                      samples: int) -> dict[str, Any]:
    """Load an empty database at `url` and measure it; returns the figures."""
    engine = create_engine(url, pool_size=clients + 2)
    try:
        started = time.perf_counter()
        progress(f"loading {tickets:,} tickets")
        await prepare(engine)
        await load_tickets(engine, tickets)
        loaded = time.perf_counter() - started
        results: dict[str, Any] = {"load_seconds": loaded, "latencies": {}}
        for name, measure in (await _reads(engine, tickets)).items():
            progress(name)
            results["latencies"][name] = await latencies(measure, samples)
        async with _graphql_page(engine) as graphql_page:
            results["latencies"]["GraphQL page of 20 with all relations (HTTP in-process)"] = (
                await latencies(graphql_page, samples))
        progress("openings")
        results["openings"] = await openings(engine, clients, per_client)
        async with engine.connect() as conn:
            results["database"] = (await conn.execute(text(
                "SELECT sqlite_version()" if engine.dialect.name == "sqlite"
                else "SHOW server_version"))).scalar()
        return results
    finally:
        await engine.dispose()


async def _postgres_database() -> tuple[str, Callable[[], Awaitable[None]]]:
    import asyncpg

    admin = make_url(POSTGRES_ADMIN_URL)
    name = f"groupdesk_bench_{uuid.uuid4().hex[:8]}"

    async def admin_sql(sql: str) -> None:
        conn = await asyncpg.connect(host=admin.host, port=admin.port or 5432,
                                     user=admin.username, password=admin.password,
                                     database=admin.database)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    await admin_sql(f'CREATE DATABASE "{name}"')
    url = admin.set(database=name).render_as_string(hide_password=False)
    return url, lambda: admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def fresh_database(backend: str) -> tuple[str, Callable[[], Awaitable[None]]]:
    """A new, empty database for one bench run ("sqlite": a file in a temporary directory;
    "postgres": a database on the bench's PostgreSQL) and what drops it afterwards."""
    if backend != "sqlite":
        return await _postgres_database()
    directory = tempfile.mkdtemp(prefix="groupdesk-bench-")

    async def drop() -> None:
        shutil.rmtree(directory, ignore_errors=True)
    return f"sqlite+aiosqlite:///{directory}/bench.db", drop


async def main_async(args: argparse.Namespace) -> None:
    print(machine.describe())
    for backend in args.backends.split(","):
        url, drop = await fresh_database(backend)
        try:
            results = await run_backend(url, tickets=args.tickets, clients=args.clients,
                                        per_client=args.opens_per_client, samples=args.samples)
        finally:
            await drop()
        print(f"\n### {backend} ({results['database']}), {args.tickets:,} tickets "
              f"(loaded in {results['load_seconds']:.0f} s)\n")
        opened: Openings = results["openings"]
        print(f"Openings, {args.clients} concurrent clients x {args.opens_per_client}: "
              f"**{opened.per_second:.0f} per second**; each opening p50 {opened.p50_ms:.0f} ms, "
              f"p99 {opened.p99_ms:.0f} ms, max {opened.max_ms:.0f} ms; "
              f"{opened.failed} failed\n")
        print("| read (through the service unless said) | p50 ms | p99 ms |\n|---|---:|---:|")
        for name, (p50, p99) in results["latencies"].items():
            print(f"| {name} | {p50:.1f} | {p99:.1f} |")


def progress(step: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {step}", file=sys.stderr, flush=True)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench tickets", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--opens-per-client", type=int, default=25)
    parser.add_argument("--samples", type=int, default=200)
    from groupdesk.wiring import register_followers

    register_followers()  # tickets opened here write their outbox rows, as in production
    asyncio.run(main_async(parser.parse_args(argv)))
