"""Live updates fan-out: ticket changes through the bus to 1,000 subscribers, throughput and lag.

    python -m bench live [--subscribers 1000] [--burst 300] [--rate 20] [--steady 200]
                         [--synthetic 2000] [--setups sqlite/embedded,postgres/postgres,postgres/redis]
                         [--redis redis://127.0.0.1:6379/14]

For each setup (database / bus): a fresh database with the demo federation and 70 tickets opened by
the seven schools' agents; one hub in this process on the chosen bus; `--subscribers` ticketsChanged
streams (server/live/streams.py, the policy re-checked per event and per subscriber) spread over
every demo user, each consumed by its own task, as the WebSocket handler would.

1. Burst: `--burst` public comments committed back to back by the ticket service (one transaction
   each, as a mutation does); events/s from the first commit to the last delivery to the last
   subscriber that may see it.
2. Steady: `--steady` comments at `--rate` per second; lag from the commit (the moment its
   messages are sealed, just before COMMIT) to each delivery, p50 and p99.
3. Fan-out alone: `--synthetic` ticket messages dispatched into the hub directly (no database, no
   bus): what the policy filtering and the subscribers' tasks sustain.

Results go to the "Live updates" section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from statistics import quantiles
from typing import Any

from sqlalchemy import select

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "RESULTS.md"
SECTION = "## Live updates"
FORM = {"account_email": "bench@insa.example.org", "platform": "scenari-pedagogie", "role": "author"}


@dataclass
class Tally:
    """What the subscribers received: deliveries, and lags against the commits' times."""

    lags: list[float] = field(default_factory=list)
    delivered: int = 0
    last: float = 0.0
    done: asyncio.Event = field(default_factory=asyncio.Event)
    expected: int = -1

    def received(self, at: float) -> None:
        self.delivered += 1
        self.last = time.perf_counter()
        self.lags.append(time.time() - at)
        if self.delivered == self.expected:
            self.done.set()


async def prepare(url: str, tickets_per_school: int) -> list[int]:
    from server import migrations
    from server.catalog.models import Brick, Service, SubService
    from server.db import create_engine, session_factory, writer_session
    from server.identity.models import Tenant, User
    from server.importing import import_federation
    from server.tickets import service
    from tenants.context import Role, TenantKind
    from tenants.federation import demo_federation_path, load_federation
    from tests.support.principals import principal

    engine = create_engine(url)
    await migrations.upgrade(engine)
    sessions = session_factory(engine)
    async with writer_session(sessions) as session:
        await import_federation(session, load_federation(demo_federation_path()))
    ids: list[int] = []
    async with writer_session(sessions) as session:
        sub = await session.scalar(select(SubService.id).join(Service).join(Brick).where(
            Brick.code == "scenari", Service.name == "Account management", SubService.name == "Account creation"))
        agents = (await session.execute(select(User.username).join(Tenant, Tenant.id == User.tenant_id).where(
            Tenant.kind == TenantKind.SCHOOL, User.active.is_(True)).order_by(User.id))).scalars().all()
        seen_schools: set[int] = set()
        for username in agents:
            p = await principal(session, username)
            if p.tenant_id in seen_schools or Role.SCHOOL_AGENT not in p.roles:
                continue
            seen_schools.add(p.tenant_id)
            for i in range(tickets_per_school):
                ticket = await service.open_ticket(session, actor=p, sub_service_id=sub, title=f"bench {i}",
                                                   request_data=FORM)
                ids.append(ticket.id)
    await engine.dispose()
    return ids


async def run_setup(database: str, bus: str, args: argparse.Namespace) -> dict[str, Any]:
    from server.config import Settings
    from server.db import create_engine, session_factory, writer_session
    from server.identity.models import User
    from server.live import streams, visibility
    from server.live.backends import build_bus
    from server.live.hub import LiveHub
    from server.live.messages import LiveEventRef, TicketChanged
    from server.live.publish import facts_of
    from server.tickets import comments
    from server.tickets.listing import TicketFilter
    from server.tickets.models import Ticket
    from tests.conftest import drop_database, new_database
    from tests.support.principals import principal

    url = await new_database(database, Path(tempfile.mkdtemp()))
    try:
        ticket_ids = await prepare(url, args.tickets_per_school)
        settings = Settings(_env_file=None, database_url=url, live_backend=bus, live_redis_url=args.redis,
                            live_redis_channel=f"groupdesk-bench-{uuid.uuid4().hex[:8]}",
                            live_buffer=args.buffer)
        engine = create_engine(url)
        sessions = session_factory(engine)
        hub = LiveHub(build_bus(settings), sessions, capacity=settings.live_buffer)
        await hub.start()
        async with sessions() as session:
            usernames = (await session.scalars(select(User.username).where(User.active.is_(True))
                                               .order_by(User.id))).all()
            people = [await principal(session, name) for name in usernames]
            tickets = {t.id: t for t in (await session.scalars(select(Ticket).where(Ticket.id.in_(ticket_ids))))}
            facts = {i: facts_of(tickets[i]) for i in ticket_ids}
            openers = {i: await _opener(session, tickets[i]) for i in ticket_ids}
        chosen = [people[i % len(people)] for i in range(args.subscribers)]
        tally = Tally()

        async def consume(p: Any) -> None:
            source = streams.ViewerSource(p, sessions, recheck_seconds=3600)
            async for move in streams.list_moves(hub, source, TicketFilter()):
                tally.received(move.at)

        tasks = [asyncio.create_task(consume(p)) for p in chosen]
        while hub.subscriber_count() < args.subscribers:
            await asyncio.sleep(0.01)
        # Who sees each ticket: what one change of it costs in deliveries.
        audience = {i: sum(1 for p in chosen if visibility.sees(p, facts[i])) for i in ticket_ids}

        async def commit(n: int) -> None:
            ticket_id = ticket_ids[n % len(ticket_ids)]
            async with writer_session(sessions) as session:
                await comments.add_comment(session, actor=openers[ticket_id], ticket_id=ticket_id,
                                           body=f"bench {n}")

        results: dict[str, Any] = {"audience": sum(audience.values()) / len(audience)}
        # 1. Burst.
        tally.expected = sum(audience[ticket_ids[n % len(ticket_ids)]] for n in range(args.burst))
        start = time.perf_counter()
        for n in range(args.burst):
            await commit(n)
        committed = time.perf_counter()
        await asyncio.wait_for(tally.done.wait(), 300)
        results["burst_commit_rate"] = args.burst / (committed - start)
        results["burst_events"] = args.burst / (tally.last - start)
        results["burst_deliveries"] = tally.delivered / (tally.last - start)
        # 2. Steady rate.
        tally.lags.clear()
        tally.delivered, tally.done = 0, asyncio.Event()
        tally.expected = sum(audience[ticket_ids[n % len(ticket_ids)]]
                             for n in range(args.burst, args.burst + args.steady))
        start = time.perf_counter()
        for k, n in enumerate(range(args.burst, args.burst + args.steady)):
            await asyncio.sleep(max(0.0, start + k / args.rate - time.perf_counter()))
            await commit(n)
        await asyncio.wait_for(tally.done.wait(), 300)
        cuts = quantiles(tally.lags, n=100)
        results["lag_p50_ms"], results["lag_p99_ms"] = cuts[49] * 1000, cuts[98] * 1000
        results["lag_max_ms"] = max(tally.lags) * 1000
        # 3. The fan-out alone: synthetic messages straight into the hub.
        tally.delivered, tally.done = 0, asyncio.Event()
        tally.expected = sum(audience[ticket_ids[n % len(ticket_ids)]] for n in range(args.synthetic))
        start = time.perf_counter()
        for n in range(args.synthetic):
            ticket_id = ticket_ids[n % len(ticket_ids)]
            hub.dispatch([TicketChanged(ticket_id=ticket_id, version=10_000 + n, after=facts[ticket_id],
                                        before=facts[ticket_id], events=(LiveEventRef(0, "COMMENTED", False),))])
            if n % 20 == 19:
                await asyncio.sleep(0)  # let the subscribers read, as deliveries arriving from a bus would
        await asyncio.wait_for(tally.done.wait(), 300)
        results["synthetic_events"] = args.synthetic / (tally.last - start)
        results["synthetic_deliveries"] = tally.delivered / (tally.last - start)
        results["resyncs"] = sum(1 for t in tasks if t.done() and t.exception() is not None)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await hub.stop()
        await engine.dispose()
        return results
    finally:
        await drop_database(url)


async def _opener(session: Any, ticket: Any) -> Any:
    from server.identity.models import User
    from tests.support.principals import principal

    username = await session.scalar(select(User.username).where(User.id == ticket.opened_by_id))
    return await principal(session, username)


def write_results(args: argparse.Namespace, results: dict[str, dict[str, Any]]) -> str:
    from bench.machine import describe

    load = os.getloadavg()[0]
    lines = [SECTION, "",
             f"`python -m bench live`: {args.subscribers:,} `ticketsChanged` subscribers in one server process "
             f"(spread over every demo user: school agents, managers, experts, group staff; each change is "
             f"checked against each subscriber's access policy), 70 tickets of the seven schools. "
             f"{describe()} Load average {load:.1f} when it ended (the machine is shared).", "",
             f"- **burst**: {args.burst} public comments committed back to back by the ticket service, one "
             "transaction each; events/s from the first commit to the last delivery;",
             f"- **steady**: {args.steady} comments at {args.rate:g} per second; lag from the commit (its messages "
             "sealed just before COMMIT) to the subscriber's task receiving the change (p50, p99, max);",
             f"- **fan-out alone**: {args.synthetic:,} messages dispatched into the hub (no database, no bus).", "",
             "| database / bus | subscribers per change | burst: commits/s | burst: events/s fanned out "
             "| deliveries/s | steady lag p50 / p99 / max ms | fan-out alone: events/s | deliveries/s |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for setup, r in results.items():
        lines.append(f"| {setup} | {r['audience']:.0f} | {r['burst_commit_rate']:.0f} | {r['burst_events']:.0f} "
                     f"| {r['burst_deliveries']:,.0f} | {r['lag_p50_ms']:.1f} / {r['lag_p99_ms']:.1f} / "
                     f"{r['lag_max_ms']:.0f} | {r['synthetic_events']:.0f} | {r['synthetic_deliveries']:,.0f} |")
    lines += ["", "What the figures say:", "",
              "- `subscribers per change`: how many of the subscribers may see a ticket of one school (its "
              "agents and managers, the experts covering it, group staff); the others are passed over when the "
              "change is routed, without waking them.",
              "- The producer shares the process and its event loop with the 1,000 subscribers, as a server's "
              "mutations do: a burst is bounded by the commits plus their fan-out, not by the bus.",
              "- Fan-out alone is the hub's ceiling here: each delivery is a task wake-up and a pass through the "
              "subscription's generators (the policy check is a few microseconds). Indexing subscribers by "
              "school, brick and assignee, and waking a subscriber once per batch, are the next steps if it "
              "must go further; a second server process behind the PostgreSQL or Redis bus splits the "
              "subscribers.",
              "- On a machine this loaded (see the load average), the p99 lags are the scheduler's as much as "
              "the bus's.",
              "", "Reproduce: `python -m bench live` (PostgreSQL and Redis on 127.0.0.1).", ""]
    section = "\n".join(lines)
    text = RESULTS.read_text()
    if SECTION in text:
        start = text.index(SECTION)
        following = text.find("\n## ", start + len(SECTION))
        text = text[:start] + section + (text[following + 1:] if following != -1 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    RESULTS.write_text(text)
    return section


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench live")
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--burst", type=int, default=300)
    parser.add_argument("--steady", type=int, default=200)
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--synthetic", type=int, default=2000)
    parser.add_argument("--tickets-per-school", type=int, default=10)
    parser.add_argument("--buffer", type=int, default=4096)
    parser.add_argument("--setups", default="sqlite/embedded,postgres/postgres,postgres/redis")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--no-write", action="store_true", help="print, do not update bench/RESULTS.md")
    args = parser.parse_args(argv)
    from groupdesk.wiring import register_followers

    register_followers()
    results: dict[str, dict[str, Any]] = {}
    for setup in args.setups.split(","):
        database, bus = setup.split("/")
        results[setup.replace("/", " / ")] = asyncio.run(run_setup(database, bus, args))
        print(setup, results[setup.replace("/", " / ")], flush=True)
    if not args.no_write:
        print(write_results(args, results))
    print(f"Python {platform.python_version()}")


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
