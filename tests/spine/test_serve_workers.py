"""`groupdesk serve --workers 2`: two processes serve one port, and only the leader runs the scheduler."""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _json_lines(stream: Any, into: queue.Queue[dict[str, Any] | str]) -> None:
    for line in stream:
        try:
            into.put(json.loads(line))
        except ValueError:
            into.put(line)


def _until(lines: queue.Queue[dict[str, Any] | str], seen: list[Any], wanted: Any) -> None:
    """Read log lines until `wanted(seen)` holds (each read waits for the next line, up to 60 s)."""
    while not wanted(seen):
        seen.append(lines.get(timeout=60))


@pytest.mark.long
def test_two_workers_serve_and_only_the_leader_runs_the_scheduler(tmp_path: Path) -> None:
    port = _free_port()
    environ = {**os.environ, "GROUPDESK_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'w.db'}",
               "GROUPDESK_DEV_ISSUER_KEY_FILE": str(tmp_path / "key.json"), "PYTHONPATH": str(ROOT),
               "GROUPDESK_TICK_SECONDS": "1", "GROUPDESK_EMBEDDED_RELAY": "false",
               "GROUPDESK_LOG_LEVEL": "DEBUG"}
    environ.pop("GROUPDESK_ENV", None)
    process = subprocess.Popen([sys.executable, "-m", "groupdesk.cli", "serve", "--port", str(port),
                                "--workers", "2"], cwd=tmp_path, env=environ,
                               stderr=subprocess.PIPE, text=True)
    lines: queue.Queue[dict[str, Any] | str] = queue.Queue()
    reader = threading.Thread(target=_json_lines, args=(process.stderr, lines), daemon=True)
    reader.start()
    seen: list[Any] = []

    def records(msg: str) -> list[dict[str, Any]]:
        return [r for r in seen if isinstance(r, dict) and r.get("msg") == msg]

    def job_runs() -> list[dict[str, Any]]:
        return [r for r in seen if isinstance(r, dict) and "Running job" in r.get("msg", "")]

    try:
        _until(lines, seen, lambda s: len(records("worker serving")) == 2 and any(
            isinstance(x, str) and x.startswith("groupdesk: ready") for x in s))
        workers = records("worker serving")
        assert sorted(w["worker"] for w in workers) == [0, 1]
        assert len({w["pid"] for w in workers}) == 2 and process.pid not in {w["pid"] for w in workers}
        assert [w["worker"] for w in workers if w["leader"]] == [0]
        assert {w["worker"]: w["scheduler"] for w in workers} == {0: True, 1: False}
        # Both listen on the one port: the server answers, request after request.
        for _ in range(10):
            with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
                assert client.get("/healthz").json() == {"status": "ok"}
        # Scheduler ticks run, several, all in the leader.
        _until(lines, seen, lambda s: len(job_runs()) >= 4)
        assert {r["worker"] for r in job_runs()} == {0}
        # Every line a worker logs is JSON and names its worker.
        assert [r for r in seen if isinstance(r, dict) and "worker" not in r] == []
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
        reader.join(timeout=30)
        assert process.stderr is not None
        process.stderr.close()
