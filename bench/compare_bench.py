"""Side by side on one PostgreSQL database: the floor, PostGraphile 4 and groupdesk.

    python -m bench compare [--tickets 100000] [--rounds 3] [--seconds 10] [--connections 32]
                            [--workers 2] [--database-url URL] [--only openings]

One database is loaded with N tickets (bench/tickets_data.py), then the same page (the 50 newest
tickets with brick, service, sub-service, school, opener and assignee) is served by each server
in turn, round after round (interleaved, so a slow minute of a shared machine hits every server
alike), by wrk over 32 connections. Reported: req/s, p50/p99, the servers' CPU per request (their
processes; the PostgreSQL backends of the database apart) and the ratios to the floor and to
PostGraphile. Then groupdesk alone: openings per second at 32 clients (refs checked unique and
gapless afterwards) and single-client p50/p99 of the pages the issue names. Needs wrk; PostGraphile
only when Node.js is present. Figures go to bench/RESULTS.md by hand, with the machine they ran on.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from strawberry import relay

from bench import compare_servers as servers
from bench import machine
from bench.load_driver import Round, measure, wrk_available
from bench.tickets_bench import ADMIN, AGENT, _postgres_database, progress
from bench.tickets_data import load_tickets, prepare
from server.db import create_engine

NODE = ("id ref title state priority createdAt brick { code name } service { name } "
        "subService { name } school { slug name } openedBy { username displayName } "
        "assignee { username displayName }")
GROUPDESK_LIST = {"query": "{ tickets(first: 50) { edges { node { %s } } } }" % NODE}
POSTGRAPHILE_LIST = {"query": (
    "{ allTickets(first: 50, orderBy: [CREATED_AT_DESC, ID_DESC]) { nodes { id ref title state "
    "priority createdAt brickByBrickId { code name } serviceByServiceId { name } "
    "subServiceBySubServiceId { name } tenantByTenantId { slug name } "
    "userAccountByOpenedById { username displayName } "
    "userAccountByAssigneeId { username displayName } } } }")}
OPEN = ("mutation($input: OpenTicketInput!) { openTicket(input: $input) { __typename "
        "... on Ticket { ref } } }")
SHORT_NODE = "ref title state priority brick { code } school { slug } assignee { username }"


def _check(server: servers.Server, body: dict[str, Any], rows: int) -> None:
    """One request by hand: the answer must be the page, not an error, before load is driven."""
    headers = {"Authorization": f"Bearer {server.token}"} if server.token else {}
    answer = httpx.post(server.url, json=body, headers=headers, timeout=30).json()
    assert "errors" not in answer, (server.name, answer)
    found = answer["data"].get("tickets") or answer["data"].get("allTickets")
    assert len(found.get("edges") or found.get("nodes")) == rows, (server.name, answer)


def answer_paths(metrics: str) -> dict[str, int]:
    """From a process's `/metrics`: the operations its known path served, those its compiled
    plans answered the whole way, and those graphql-core ran."""
    found = {"compiled": 0.0, "known": 0.0, "core": 0.0}
    for line in metrics.splitlines():
        name, _, value = line.rpartition(" ")
        if name == "groupdesk_graphql_compiled_operations_total":
            found["compiled"] += float(value)
        elif name == 'groupdesk_graphql_known_path_operations_total{outcome="served"}':
            found["known"] += float(value)
        elif name.startswith("groupdesk_graphql_fallback_operations_total{"):
            found["core"] += float(value)
    return {"known_path": int(found["known"]), "compiled_whole_way": int(found["compiled"] - found["known"]),
            "graphql_core": int(found["core"])}


def _summary(rounds: list[Round]) -> dict[str, float]:
    """Medians over the rounds."""
    def med(f: Callable[[Round], float]) -> float:
        return statistics.median(f(r) for r in rounds)
    return {"req_s": med(lambda r: r.per_second), "p50_ms": med(lambda r: r.p50_ms),
            "p99_ms": med(lambda r: r.p99_ms), "server_cpu_ms": med(lambda r: r.server_cpu_ms),
            "database_cpu_ms": med(lambda r: r.database_cpu_ms),
            "errors": sum(r.errors for r in rounds)}


async def _database_pids(dsn: str, name: str) -> list[int]:
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch("SELECT pid FROM pg_stat_activity WHERE datname = $1 "
                                "AND pid <> pg_backend_pid()", name)
    finally:
        await conn.close()
    return [r["pid"] for r in rows]


async def _count(dsn: str) -> int:
    conn = await asyncpg.connect(dsn)
    try:
        return int(await conn.fetchval("SELECT count(*) FROM ticket"))
    finally:
        await conn.close()


async def _ids(dsn: str, total: int) -> dict[str, Any]:
    """What the single-client pages need: the scenari brick's id, a cursor 90% down the list."""
    from server.cursors import encode_cursor
    from server.tickets.ordering import TicketOrder

    conn = await asyncpg.connect(dsn)
    try:
        scenari = await conn.fetchval("SELECT id FROM brick WHERE code = 'scenari'")
        deep = await conn.fetchrow("SELECT id, created_at FROM ticket ORDER BY created_at DESC, "
                                   "id DESC OFFSET $1 LIMIT 1", total * 9 // 10)
    finally:
        await conn.close()

    class Row:
        id = deep["id"]
        created_at = deep["created_at"]
    return {"scenari": relay.to_base64("Brick", scenari),
            "cursor": encode_cursor(TicketOrder(), Row())}


def _single_client_pages(ids: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    def page(args: str, extra: str = "") -> dict[str, Any]:
        return {"query": "{ tickets(first: 20%s) { %s edges { node { %s } } } }"
                % (args, extra, SHORT_NODE)}
    return {
        "filtered first page (admin: scenari, open states)": (ADMIN, page(
            ', filter: {brickIds: ["%s"], states: [ASSIGNED, IN_PROGRESS, PENDING]}'
            % ids["scenari"])),
        "school agent's first page (own school, CLOSED)": (AGENT, page(
            ", filter: {states: [CLOSED]}")),
        "deep keyset page (after a cursor 90% down)": (ADMIN, page(', after: "%s"' % ids["cursor"])),
        "French text search (\"connexion compte\")": (ADMIN, page(
            ', filter: {text: "connexion compte"}')),
        "filtered first page with totalCount": (ADMIN, page(
            ', filter: {brickIds: ["%s"], states: [ASSIGNED, IN_PROGRESS, PENDING]}'
            % ids["scenari"], "totalCount totalCountIsEstimate")),
        "French text search with totalCount": (ADMIN, page(
            ', filter: {text: "connexion compte"}', "totalCount totalCountIsEstimate")),
    }


@contextlib.contextmanager
def _all_servers(url: str, key_file: Path, workers: int) -> Iterator[list[servers.Server]]:
    with contextlib.ExitStack() as stack:
        started = [stack.enter_context(servers.floor(url))]
        if servers.postgraphile_available():
            started.append(stack.enter_context(servers.postgraphile(url)))
        started.append(stack.enter_context(servers.groupdesk(url, key_file, ADMIN)))
        if workers > 1:
            started.append(stack.enter_context(servers.groupdesk(url, key_file, ADMIN,
                                                                 workers=workers)))
        yield started


def _pids_of(dsn: str, name: str) -> Callable[[], list[int]]:
    return lambda: asyncio.run(_database_pids(dsn, name))


def run(args: argparse.Namespace, url: str) -> dict[str, Any]:
    dsn, name = servers.asyncpg_dsn(url), url.rsplit("/", 1)[1]
    pids = _pids_of(dsn, name)
    # What the database holds, not what --tickets says: a database given by --database-url was
    # loaded at its own size, and the deep page's cursor is taken 90% down what is there.
    tickets = asyncio.run(_count(dsn))
    results: dict[str, Any] = {"machine": machine.describe(), "tickets": tickets, "list": {}}
    with tempfile.TemporaryDirectory() as directory:
        key_file = Path(directory) / "issuer.json"
        if args.only == "openings":
            with servers.groupdesk(url, key_file, AGENT) as desk:
                results["openings"] = _openings(args, desk, dsn, pids)
            if args.workers > 1:
                with servers.groupdesk(url, key_file, AGENT, workers=args.workers) as desk:
                    results["openings_workers"] = _openings(args, desk, dsn, pids)
            return results
        with _all_servers(url, key_file, args.workers) as started:
            bodies = {s.name: POSTGRAPHILE_LIST if s.name.startswith("PostGraphile")
                      else GROUPDESK_LIST for s in started}
            for server in started:
                _check(server, bodies[server.name], 50)
            for server in started:
                # First requests fill caches (parsed documents, compiled SQL, each worker's own).
                progress(f"warming up {server.name}")
                measure(server.url, bodies[server.name], token=server.token,
                        connections=args.connections, seconds=args.warmup,
                        server_pid=server.process.pid, database_pids=pids)
            rounds: dict[str, list[Round]] = {s.name: [] for s in started}
            for n in range(args.rounds):
                for server in started:
                    progress(f"round {n + 1}/{args.rounds}: {server.name}")
                    rounds[server.name].append(measure(
                        server.url, bodies[server.name], token=server.token,
                        connections=args.connections, seconds=args.seconds,
                        server_pid=server.process.pid, database_pids=pids))
            results["list"] = {k: _summary(v) for k, v in rounds.items()}
            one = next((srv for srv in started if srv.name == "groupdesk"), None)
            if one is not None:  # how its answers were made (one process: its own counters)
                results["paths"] = answer_paths(httpx.get(one.url.replace("/graphql", "/metrics")).text)
        with servers.groupdesk(url, key_file, AGENT) as desk:
            results["openings"] = _openings(args, desk, dsn, pids)
            results["single_client"] = {}
            ids = asyncio.run(_ids(dsn, tickets))
            for label, (who, body) in _single_client_pages(ids).items():
                token = servers.groupdesk_token(servers.groupdesk_env(url, key_file), who)
                _check(servers.Server(label, desk.url, desk.process, token), body, 20)
                progress(f"single client: {label}")
                done = measure(desk.url, body, token=token, connections=1, seconds=args.seconds,
                               server_pid=desk.process.pid, database_pids=pids)
                results["single_client"][label] = _summary([done])
    return results


def _openings(args: argparse.Namespace, desk: servers.Server, dsn: str,
              pids: Callable[[], list[int]]) -> dict[str, Any]:
    async def sub_service() -> str:
        conn = await asyncpg.connect(dsn)
        try:
            sub = await conn.fetchval(
                "SELECT ss.id FROM sub_service ss JOIN service s ON s.id = ss.service_id "
                "JOIN brick b ON b.id = s.brick_id WHERE b.code = 'scenari' "
                "AND s.name = 'Account management' AND ss.name = 'Account creation'")
        finally:
            await conn.close()
        return str(relay.to_base64("SubService", sub))

    body = {"query": OPEN, "variables": {"input": {
        "subServiceId": asyncio.run(sub_service()), "title": "Bench opening",
        "requestData": {"account_email": "new.author@insa-lyon.example.org",
                        "platform": "scenari-pedagogie", "role": "author"}}}}
    progress("openings (warm-up, then measured)")
    measure(desk.url, body, token=desk.token, connections=args.connections, seconds=args.warmup,
            server_pid=desk.process.pid, database_pids=pids)
    done = measure(desk.url, body, token=desk.token, connections=args.connections,
                   seconds=args.seconds, server_pid=desk.process.pid, database_pids=pids)
    return {**_summary([done]), "refs": asyncio.run(_refs_check(dsn))}


async def _refs_check(dsn: str) -> dict[str, Any]:
    """This year's refs: as many as the counter says, none twice, none missing.

    One statement, so one snapshot: openings still queued in the server when wrk stops keep
    committing, and a counter read apart from the refs could be one opening ahead of them."""
    year = time.gmtime().tm_year
    conn = await asyncpg.connect(dsn)
    try:
        row = await conn.fetchrow(
            "SELECT (SELECT last FROM ticket_counter WHERE year = $1) AS last, "
            "array(SELECT ref FROM ticket WHERE ref LIKE $2) AS refs", year, f"GRP-{year}-%")
    finally:
        await conn.close()
    numbers, last = [int(r[9:]) for r in row["refs"]], row["last"]
    return {"opened": len(numbers), "counter": last,
            "gapless": sorted(numbers) == list(range(1, len(numbers) + 1)) and last == len(numbers)}


def report(results: dict[str, Any]) -> str:
    from bench.compare_report import markdown

    return markdown(results)


async def _load(url: str, tickets: int) -> float:
    engine = create_engine(url)
    try:
        started = time.perf_counter()
        await prepare(engine)
        await load_tickets(engine, tickets)
        return time.perf_counter() - started
    finally:
        await engine.dispose()


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench compare", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--warmup", type=float, default=5, help="seconds of load before the rounds")
    parser.add_argument("--workers", type=int, default=2,
                        help="also serve groupdesk with this many workers (1: not)")
    parser.add_argument("--database-url", help="an already loaded database (kept afterwards)")
    parser.add_argument("--out", type=Path, help="write the figures as JSON here too")
    parser.add_argument("--only", choices=("all", "openings"), default="all",
                        help="openings: groupdesk's openings at --connections alone, nothing else")
    args = parser.parse_args(argv)
    if not wrk_available():
        # Skipped, not failed: `make bench` runs every benchmark, on machines without wrk too.
        print("python -m bench compare: skipped, it needs wrk (Debian: apt-get install wrk)",
              file=sys.stderr)
        return
    drop = None
    url = args.database_url
    if url is None:
        url, drop = asyncio.run(_postgres_database())
        progress(f"loading {args.tickets:,} tickets")
        results_load = asyncio.run(_load(url, args.tickets))
        progress(f"loaded in {results_load:.0f} s")
    try:
        results = run(args, url)
    finally:
        if drop is not None:
            asyncio.run(drop())
    if args.out:
        args.out.write_text(json.dumps(results, indent=2))
    print(report(results))
