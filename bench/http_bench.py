"""What a GraphQL request costs around its execution: CPU per request, in-process and over a real server.

    python -m bench http [--tickets 2000] [--samples 300] [--rounds 3] [--seconds 8]
                         [--connections 4] [--database-url URL] [--profile FILE] [--no-serve]
                         [--no-in-process] [--before TREE]

One PostgreSQL database is loaded with N tickets (bench/tickets_data.py). Two documents, as the
group administrator: the list of the issue (the 50 newest tickets with brick, service, sub-service,
school, opener and assignee) and `{ viewer { user { username } } }`, whose execution is almost
nothing, so that its cost is the request path itself.

- In-process: the app is called as an ASGI application directly (no HTTP client library in the
  way: a scope, one body message, the response collected), `--samples` requests per document and
  round; then the same document executed alone (the schema's `execute` with a ready caller: no
  token, no middleware, no request body). CPU is this process's CPU time per request; "around
  execution" is the difference.
- Over HTTP: `groupdesk serve` as shipped (development settings, logs at INFO to /dev/null, the
  per-caller rate limit out of the way), wrk over `--connections` connections for `--seconds` per
  round and document; CPU is the server process's, read from /proc. `--before TREE` serves an
  earlier tree of the project too (`git archive COMMIT | tar -x -C TREE`), interleaved round by
  round with this one, for before/after figures on a busy machine.

`--profile FILE` writes a cProfile of the in-process viewer requests (sorted by internal time on
stdout). Figures go to bench/RESULTS.md by hand, with the machine and its load average.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import contextlib
import os
import pstats
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import orjson

from bench import compare_servers as servers
from bench import machine
from bench.compare_bench import GROUPDESK_LIST, _pids_of
from bench.load_driver import measure as wrk_measure
from bench.load_driver import wrk_available
from bench.tickets_bench import ADMIN, _postgres_database, _principal, progress
from bench.tickets_data import load_tickets, prepare
from server.db import create_engine

VIEWER = {"query": "{ viewer { user { username } } }"}
DOCUMENTS = {"the list (50 tickets, 6 relations)": GROUPDESK_LIST, "viewer": VIEWER}


async def call(app: Any, body: bytes, headers: list[tuple[bytes, bytes]]) -> tuple[int, bytes]:
    """One POST /graphql straight through the ASGI application."""
    scope = {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"}, "http_version": "1.1",
             "method": "POST", "scheme": "http", "path": "/graphql", "raw_path": b"/graphql",
             "query_string": b"", "root_path": "", "headers": headers,
             "client": ("127.0.0.1", 40000), "server": ("127.0.0.1", 8000), "state": {}}
    done = asyncio.Event()
    given = False
    status = 0
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": body, "more_body": False}
        await done.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                done.set()

    await app(scope, receive, send)
    return status, b"".join(chunks)


def _cpu_per_call(run: Callable[[], Awaitable[Any]], samples: int) -> float:
    """Milliseconds of this process's CPU per call, over `samples` calls in a row."""
    async def many() -> float:
        started = time.process_time()
        for _ in range(samples):
            await run()
        return (time.process_time() - started) * 1000 / samples
    return asyncio.get_event_loop().run_until_complete(many())


def in_process(url: str, args: argparse.Namespace) -> dict[str, dict[str, float]]:
    import schema
    from groupdesk.app import create_app
    from schema.context import Context
    from server.config import Settings

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    engine = create_engine(url)
    results: dict[str, dict[str, float]] = {}
    try:
        with tempfile.TemporaryDirectory() as directory:
            settings = Settings(database_url=url, dev_issuer_key_file=Path(directory) / "issuer.json",
                                demo_federation=False, migrate_on_start=False,
                                rate_limit_principal="100000000/minute", _env_file=None)
            app = create_app(settings, engine=engine)
            token = app.state.runtime.local_issuer.sign(ADMIN, username=ADMIN)
            headers = [(b"host", b"bench"), (b"content-type", b"application/json"),
                       (b"accept", b"application/json"), (b"authorization", f"Bearer {token}".encode())]
            caller = loop.run_until_complete(_principal(engine, ADMIN))
            executable = schema.build_schema()
            for label, document in DOCUMENTS.items():
                body = orjson.dumps(document)

                async def over_asgi(body: bytes = body) -> None:
                    status, answer = await call(app, body, headers)
                    assert status == 200 and b'"errors"' not in answer, answer[:500]

                async def alone(query: str = document["query"]) -> None:
                    context = Context(settings=settings, sessions=app.state.runtime.sessions,
                                      principal=caller)
                    try:
                        result = await executable.execute(query, context_value=context)
                    finally:
                        await context.finish(success=False)
                    assert not result.errors, result.errors

                _cpu_per_call(over_asgi, 20)  # warm-up: caches, compiled statements, pool
                _cpu_per_call(alone, 20)
                asgi, execution = [], []
                for n in range(args.rounds):
                    progress(f"in-process, {label}: round {n + 1} of {args.rounds}")
                    asgi.append(_cpu_per_call(over_asgi, args.samples))
                    execution.append(_cpu_per_call(alone, args.samples))
                request, alone_ms = statistics.median(asgi), statistics.median(execution)
                results[label] = {"request_ms": request, "execution_ms": alone_ms,
                                  "around_ms": request - alone_ms}
                if args.profile and label == "viewer":
                    profile = cProfile.Profile(time.process_time)
                    profile.enable()
                    _cpu_per_call(over_asgi, args.samples)
                    profile.disable()
                    profile.dump_stats(args.profile)
                    pstats.Stats(profile).sort_stats("tottime").print_stats(40)
    finally:
        loop.run_until_complete(engine.dispose())
        loop.close()
    return results


def over_http(url: str, args: argparse.Namespace) -> dict[str, dict[str, float]]:
    """wrk rounds against `groupdesk serve` from this tree and, with --before, from an earlier one,
    interleaved (before, after, before, after...) so that both meet the same machine."""
    dsn, name = servers.asyncpg_dsn(url), url.rsplit("/", 1)[1]
    pids = _pids_of(dsn, name)
    trees = {"": servers.ROOT} if args.before is None else {"before: ": args.before, "after: ": servers.ROOT}
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as directory, contextlib.ExitStack() as stack:
        env = {**servers.groupdesk_env(url, Path(directory) / "issuer.json"), "GROUPDESK_LOG_LEVEL": "INFO"}
        started = {}
        for prefix, root in trees.items():
            port = servers.free_port()
            # `python -m` imports the tree it runs in (its working directory comes first on the path).
            argv = [sys.executable, "-m", "groupdesk.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
            process = stack.enter_context(servers._process(
                "groupdesk", argv, f"http://127.0.0.1:{port}/healthz", env=env, cwd=Path(root)))
            started[prefix] = (f"http://127.0.0.1:{port}/graphql", process)
        token = servers.groupdesk_token(env, ADMIN)
        for endpoint, process in started.values():
            for document in DOCUMENTS.values():  # warm-up
                wrk_measure(endpoint, document, token=token, connections=args.connections, seconds=2,
                            server_pid=process.pid, database_pids=pids)
        rounds: dict[str, list[Any]] = {prefix + label: [] for prefix in started for label in DOCUMENTS}
        for n in range(args.rounds):
            for label, document in DOCUMENTS.items():
                for prefix, (endpoint, process) in started.items():
                    progress(f"over HTTP, {prefix}{label}: round {n + 1} of {args.rounds}")
                    rounds[prefix + label].append(wrk_measure(
                        endpoint, document, token=token, connections=args.connections,
                        seconds=args.seconds, server_pid=process.pid, database_pids=pids))
        for label, done in rounds.items():
            assert not any(r.errors for r in done), f"{label}: errors over HTTP"
            results[label] = {
                "req_s": statistics.median(r.per_second for r in done),
                "p50_ms": statistics.median(r.p50_ms for r in done),
                "p99_ms": statistics.median(r.p99_ms for r in done),
                "server_cpu_ms": statistics.median(r.server_cpu_ms for r in done),
                "database_cpu_ms": statistics.median(r.database_cpu_ms for r in done)}
    return results


def report(inside: dict[str, dict[str, float]], served: dict[str, dict[str, float]]) -> str:
    lines = [machine.describe(), f"Load average at the end: {' / '.join(f'{x:.1f}' for x in os.getloadavg())}",
             "", "| in-process (ASGI, no client library) | CPU ms per request | execution alone ms | "
             "around execution ms |", "|---|---:|---:|---:|"]
    lines += [f"| {label} | {f['request_ms']:.2f} | {f['execution_ms']:.2f} | {f['around_ms']:.2f} |"
              for label, f in inside.items()]
    if served:
        lines += ["", "| `groupdesk serve`, wrk | req/s | p50 ms | p99 ms | server CPU ms/req | "
                  "database CPU ms/req |", "|---|---:|---:|---:|---:|---:|"]
        lines += [f"| {label} | {f['req_s']:.0f} | {f['p50_ms']:.1f} | {f['p99_ms']:.1f} | "
                  f"{f['server_cpu_ms']:.2f} | {f['database_cpu_ms']:.2f} |" for label, f in served.items()]
    return "\n".join(lines)


async def _load(url: str, tickets: int) -> None:
    engine = create_engine(url)
    try:
        await prepare(engine)
        await load_tickets(engine, tickets)
    finally:
        await engine.dispose()


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench http", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=2_000)
    parser.add_argument("--samples", type=int, default=300, help="in-process requests per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=8, help="wrk's seconds per round")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--database-url", help="an already loaded database (kept afterwards)")
    parser.add_argument("--profile", help="write a cProfile of the in-process viewer requests here")
    parser.add_argument("--no-serve", action="store_true", help="in-process figures only")
    parser.add_argument("--before", type=Path,
                        help="also serve from this earlier tree (e.g. `git archive` of a commit), in "
                             "interleaved rounds")
    parser.add_argument("--no-in-process", action="store_true", help="over HTTP only")
    args = parser.parse_args(argv)
    drop = None
    url = args.database_url
    if url is None:
        url, drop = asyncio.run(_postgres_database())
        progress(f"loading {args.tickets:,} tickets")
        asyncio.run(_load(url, args.tickets))
    try:
        inside = {} if args.no_in_process else in_process(url, args)
        served = {}
        if args.no_serve:
            pass
        elif not wrk_available():
            print("python -m bench http: over HTTP skipped, it needs wrk", file=sys.stderr)
        else:
            served = over_http(url, args)
    finally:
        if drop is not None:
            asyncio.run(drop())
    print(report(inside, served))
