"""Compiled execution against graphql-core on the consoles' ticket page, in one run.

    python -m bench compiled [--tickets 10000] [--backends sqlite,postgres] [--rounds 5]
                             [--samples 40]

Each backend gets a fresh database (the demo federation and N bulk-loaded tickets, as `python -m
bench tickets` builds it). One app serves `tickets(first: 50)` with brick, service, subService,
school, openedBy and assignee over HTTP in-process; rounds alternate compiled execution on and off
(GROUPDESK_COMPILED_EXECUTION), so both meet the same machine load. Then the same alternation
runs the operation alone (the schema's `execute` with a ready caller, no HTTP, no
authentication): what the planner changes. Reported per mode: p50/p99 latency and the process's
CPU time per request (the bench's HTTP client shares the process), and the ratios. Both modes must
give the same answer, or the bench stops.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import machine
from bench.tickets_bench import ADMIN, _principal, fresh_database, progress
from bench.tickets_data import load_tickets, prepare
from server.db import create_engine

PAGE = """{ tickets(first: 50) { totalCount pageInfo { hasNextPage endCursor }
  edges { cursor node { id ref title state priority createdAt
    brick { code name } service { name } subService { name } school { slug name }
    openedBy { username displayName } assignee { username displayName } } } } }"""
MODES = {"compiled": True, "graphql-core": False}


@dataclass
class Figures:
    latencies: list[float]
    cpu: float = 0.0

    def summary(self) -> tuple[float, float, float]:
        ordered = sorted(self.latencies)
        p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
        return statistics.median(ordered) * 1000, p99 * 1000, self.cpu / len(ordered) * 1000


async def measure(url: str, *, tickets: int, rounds: int, samples: int) -> dict[str, Figures]:
    import httpx

    import schema
    from groupdesk.app import create_app
    from schema.context import Context
    from server.config import Settings

    engine = create_engine(url)
    try:
        progress(f"loading {tickets:,} tickets")
        await prepare(engine)
        await load_tickets(engine, tickets)
        with tempfile.TemporaryDirectory() as directory:
            settings = Settings(database_url="sqlite+aiosqlite:///unused.db",
                                dev_issuer_key_file=Path(directory) / "bench-issuer.json",
                                demo_federation=False, migrate_on_start=False, _env_file=None)
            app = create_app(settings, engine=engine)
            headers = {"Authorization": f"Bearer {app.state.runtime.local_issuer.sign(ADMIN, username=ADMIN)}"}
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                         base_url="http://bench") as client:
                async def page() -> Any:
                    response = await client.post("/graphql", json={"query": PAGE}, headers=headers)
                    assert response.status_code == 200 and b'"errors"' not in response.content, \
                        response.text
                    return _without_cost(response.content)

                figures = await _alternate(page, settings, rounds=rounds, samples=samples,
                                           label="HTTP")
            caller = await _principal(engine, ADMIN)
            executable = schema.build_schema()

            async def operation() -> Any:
                context = Context(settings=settings, sessions=app.state.runtime.sessions,
                                  principal=caller)
                try:
                    result = await executable.execute(PAGE, context_value=context)
                finally:
                    await context.finish(success=False)
                assert not result.errors, result.errors
                return result.data

            for mode, found in (await _alternate(operation, settings, rounds=rounds, samples=samples,
                                                 label="execute")).items():
                figures[f"{mode}, execute only"] = found
        return figures
    finally:
        await engine.dispose()


async def _alternate(run: Any, settings: Any, *, rounds: int, samples: int,
                     label: str) -> dict[str, Figures]:
    """`run` in alternating rounds of each mode, after checking both give the same answer."""
    figures = {mode: Figures([]) for mode in MODES}
    answers = {}
    for mode, compiled in MODES.items():
        settings.compiled_execution = compiled
        answers[mode] = await run()  # a warm-up too
    assert answers["compiled"] == answers["graphql-core"], "the two modes disagree"
    for n in range(rounds):
        progress(f"{label}: round {n + 1} of {rounds}")
        for mode, compiled in MODES.items():
            settings.compiled_execution = compiled
            cpu = time.process_time()
            for _ in range(samples):
                started = time.perf_counter()
                await run()
                figures[mode].latencies.append(time.perf_counter() - started)
            figures[mode].cpu += time.process_time() - cpu
    return figures


def _without_cost(body: bytes) -> Any:
    import json

    decoded = json.loads(body)
    decoded.pop("extensions", None)
    return decoded


async def main_async(args: argparse.Namespace) -> None:
    print(machine.describe())
    for backend in args.backends.split(","):
        url, drop = await fresh_database(backend)
        try:
            figures = await measure(url, tickets=args.tickets, rounds=args.rounds,
                                    samples=args.samples)
        finally:
            await drop()
        print(f"\n### {backend}, {args.tickets:,} tickets, {args.rounds} rounds of "
              f"{args.samples} requests per mode\n")
        print("| `tickets(first: 50)`, six relations | p50 ms | p99 ms | CPU ms per request |")
        print("|---|---:|---:|---:|")
        summaries = {mode: f.summary() for mode, f in figures.items()}
        for mode, (p50, p99, cpu) in summaries.items():
            print(f"| {mode} | {p50:.1f} | {p99:.1f} | {cpu:.1f} |")
        for suffix in ("", ", execute only"):
            core, compiled = summaries[f"graphql-core{suffix}"], summaries[f"compiled{suffix}"]
            print(f"| ratio{suffix} (graphql-core / compiled) | {core[0] / compiled[0]:.1f}x | "
                  f"{core[1] / compiled[1]:.1f}x | {core[2] / compiled[2]:.1f}x |")


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench compiled", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--samples", type=int, default=40)
    asyncio.run(main_async(parser.parse_args(argv)))
