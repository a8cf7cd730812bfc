"""Driving load with wrk and measuring what the servers spent: requests, latencies, CPU.

wrk (Debian package `wrk`) sends one request body over N keep-alive connections for a duration;
a Lua `done` hook prints its summary as JSON. CPU is read from /proc before and after a round:
the server's process tree (every worker) and the PostgreSQL backends serving its database.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TICK = os.sysconf("SC_CLK_TCK")

_SCRIPT = """
wrk.method = "POST"
wrk.body = [==[%(body)s]==]
wrk.headers["Content-Type"] = "application/json"
%(auth)s
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRK-JSON {\\"requests\\": %%d, \\"duration_us\\": %%d, \\"errors\\": %%d, \\"non2xx\\": %%d, "
    .. "\\"p50_us\\": %%d, \\"p99_us\\": %%d, \\"max_us\\": %%d}\\n",
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(99), latency.max))
end
"""


@dataclass(frozen=True, slots=True)
class Round:
    """One run of wrk against one server."""

    requests: int
    seconds: float
    errors: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    server_cpu_ms: float    # the server's processes, per request
    database_cpu_ms: float  # the PostgreSQL backends of its database, per request

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def run_wrk(url: str, body: dict[str, Any], *, token: str | None, connections: int, seconds: float,
            threads: int = 2) -> dict[str, Any]:
    """wrk's summary of `seconds` of POSTs of `body` to `url` over `connections` connections."""
    auth = f'wrk.headers["Authorization"] = "Bearer {token}"' if token else ""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_SCRIPT % {"body": json.dumps(body), "auth": auth})
    try:
        done = subprocess.run(
            ["wrk", f"-t{min(threads, connections)}", f"-c{connections}", f"-d{max(1, round(seconds))}s",
             "--timeout", "10s", "-s", script.name, url],
            capture_output=True, text=True, check=True)
    finally:
        Path(script.name).unlink(missing_ok=True)
    line = next(x for x in done.stdout.splitlines() if x.startswith("WRK-JSON "))
    return dict(json.loads(line.removeprefix("WRK-JSON ")))


def _stat(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw[raw.rindex(")") + 2:].split()


def cpu_seconds(pids: Iterable[int]) -> dict[int, float]:
    """User + system CPU of each process (gone ones are left out)."""
    found = {}
    for pid in pids:
        fields = _stat(pid)
        if fields is not None:
            found[pid] = (int(fields[11]) + int(fields[12])) / TICK
    return found


def process_tree(root: int) -> list[int]:
    """`root` and all its descendants."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))) is not None:
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, []))
    return tree


def spent(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds spent between two readings (processes started meanwhile count from zero)."""
    return sum(value - before.get(pid, 0.0) for pid, value in after.items())


def measure(url: str, body: dict[str, Any], *, token: str | None, connections: int,
            seconds: float, server_pid: int, database_pids: Any) -> Round:
    """One round: wrk against `url`, with the CPU the server and its database backends spent."""
    server_before = cpu_seconds(process_tree(server_pid))
    db_before = cpu_seconds(database_pids())
    summary = run_wrk(url, body, token=token, connections=connections, seconds=seconds)
    server = spent(server_before, cpu_seconds(process_tree(server_pid)))
    database = spent(db_before, cpu_seconds(database_pids()))
    requests = max(int(summary["requests"]), 1)
    return Round(requests=int(summary["requests"]), seconds=summary["duration_us"] / 1e6,
                 errors=int(summary["errors"]) + int(summary["non2xx"]),
                 p50_ms=summary["p50_us"] / 1000, p99_ms=summary["p99_us"] / 1000,
                 max_ms=summary["max_us"] / 1000, server_cpu_ms=server * 1000 / requests,
                 database_cpu_ms=database * 1000 / requests)
