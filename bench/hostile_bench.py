"""Hostile requests against a served app, and what a well-behaved caller sees meanwhile.

    python -m bench hostile [--control-samples 200]

Serves the app with uvicorn in a child process on a loopback port, on a fresh PostgreSQL
database (migrated, demo federation), then for each hostile request (the fragment chain of 30
levels, 30 aliases of a deep ticket page, a 1 MiB body) sends it back to back while a control
client sends `--control-samples` small authenticated queries one after the other; reports each
hostile request's time and the control query's p50/p99 during it (and alone, first, as the
baseline).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench import machine
from bench.tickets_bench import _postgres_database, progress
from server.identity.local_issuer import LocalIssuer

CONTROL = "{ viewer { user { username } tenant { slug } } }"
CHAIN = ("query { ...F0 } " + " ".join(f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}"
                                       for i in range(30)) + " fragment F30 on Query { bricks { code } }")
ALIASES = "{ " + " ".join(
    f"a{i}: tickets(first: 100) {{ edges {{ node {{ comments {{ edges {{ node {{ author {{ tenant {{ name }} }} }} }} }} "
    f"history {{ edges {{ node {{ actor {{ username }} }} }} }} }} }} }}" for i in range(30)) + " }"
BODY = b'{"query": "{ __typename }", "padding": "' + b"x" * (1024 * 1024) + b'"}'
USER = "valentine.orsembaud"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _wait_ready(client: httpx.AsyncClient, deadline: float = 120.0) -> None:
    give_up = time.monotonic() + deadline
    while time.monotonic() < give_up:
        try:
            if (await client.get("/readyz")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.2)
    raise RuntimeError("the app did not become ready")


def _percentiles(timings: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(timings, n=100, method="inclusive")
    return statistics.median(timings), cuts[98]


async def _control(client: httpx.AsyncClient, token: str, samples: int,
                   done: asyncio.Event) -> list[float]:
    """`samples` timings of the control query, one after the other; then sets `done`."""
    timings: list[float] = []
    try:
        while len(timings) < samples:
            started = time.perf_counter()
            response = await client.post("/graphql", json={"query": CONTROL},
                                         headers={"Authorization": f"Bearer {token}"})
            assert response.status_code == 200 and "errors" not in response.json(), response.text
            timings.append((time.perf_counter() - started) * 1000)
    finally:
        done.set()
    return timings


async def _send(client: httpx.AsyncClient, headers: dict[str, str], name: str) -> str:
    if name == "body":
        try:
            response = await client.post("/graphql", content=BODY,
                                         headers={**headers, "Content-Type": "application/json"})
        except httpx.TransportError:
            # Refused on its Content-Length, the upload is cut: the client may see the close
            # before it reads the 413.
            return "413 or closed while sending"
    else:
        response = await client.post("/graphql", json={"query": CHAIN if name == "chain"
                                                       else ALIASES}, headers=headers)
    errors = response.json().get("errors") or [{}]
    return f"{response.status_code} {errors[0].get('extensions', {}).get('code', 'OK')}"


async def _attack(client: httpx.AsyncClient, token: str, name: str,
                  done: asyncio.Event) -> tuple[float, int, str]:
    """Sends the hostile request again and again until `done`: mean ms, count, last answer."""
    headers = {"Authorization": f"Bearer {token}"}
    sent, answer, started = 0, "", time.perf_counter()
    while not done.is_set() or sent == 0:
        answer = await _send(client, headers, name)
        sent += 1
    return (time.perf_counter() - started) * 1000 / sent, sent, answer


async def run(url: str, *, control_samples: int) -> dict[str, tuple]:
    port = _free_port()
    with tempfile.TemporaryDirectory() as directory:
        key = Path(directory) / "issuer.json"
        env = {**os.environ, "GROUPDESK_DATABASE_URL": url, "GROUPDESK_DEV_ISSUER_KEY_FILE": str(key),
               "GROUPDESK_TICK_SECONDS": "0", "GROUPDESK_EMBEDDED_RELAY": "false",
               "GROUPDESK_LOG_LEVEL": "WARNING"}
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "groupdesk.app:create_app",
             "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"], env=env)
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=120) as attacker, \
                    httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=120) as control:
                await _wait_ready(control)
                token = LocalIssuer.load_or_create(key).sign(USER, username=USER)
                results: dict[str, tuple] = {}
                progress("control alone")
                alone = await _control(control, token, control_samples, asyncio.Event())
                results["control alone"] = (None, 0, "200 OK", *_percentiles(alone))
                for name in ("chain", "aliases", "body"):
                    progress(name)
                    done = asyncio.Event()
                    timings, (took, sent, answer) = await asyncio.gather(
                        _control(control, token, control_samples, done),
                        _attack(attacker, token, name, done))
                    results[name] = (took, sent, answer, *_percentiles(timings))
                return results
        finally:
            server.terminate()
            server.wait(timeout=30)


LABELS = {"control alone": "nothing else (baseline)",
          "chain": "fragment chain, 30 levels, each spreading the next twice (~1.2 KB)",
          "aliases": "30 aliases of tickets(first: 100) with comments and history",
          "body": "a 1 MiB body"}


async def main_async(args: argparse.Namespace) -> None:
    print(machine.describe())
    url, drop = await _postgres_database()
    try:
        results = await run(url, control_samples=args.control_samples)
    finally:
        await drop()
    print(f"\n| hostile request, sent back to back during {args.control_samples} control queries "
          f"| sent | its time, ms each | answer | control p50 ms | control p99 ms |\n"
          f"|---|---:|---:|---|---:|---:|")
    for name, (took, sent, answer, p50, p99) in results.items():
        print(f"| {LABELS[name]} | {sent} | {'-' if took is None else f'{took:.1f}'} | {answer} | "
              f"{p50:.1f} | {p99:.1f} |")


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench hostile", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--control-samples", type=int, default=200)
    asyncio.run(main_async(parser.parse_args(argv)))
