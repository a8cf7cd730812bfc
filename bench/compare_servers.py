"""The three servers `python -m bench compare` puts side by side, each its own process on one database.

- the floor: bench/floor_app.py (Starlette + asyncpg + orjson, one SQL statement);
- groupdesk: `groupdesk serve` (optionally `--workers N`), development issuer for the token, rate
  limits out of the way, logs at WARNING (a request log line per request is not what is compared);
- PostGraphile v4 from bench/postgraphile (`npm ci` there), only when Node.js is present.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy.engine import make_url

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
POSTGRAPHILE = BENCH / "postgraphile"


@dataclass
class Server:
    """A started server: where to send the list, and the process to measure."""

    name: str
    url: str
    process: subprocess.Popen[bytes]
    token: str | None = None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def asyncpg_dsn(url: str) -> str:
    """postgresql+asyncpg://... as a plain libpq/asyncpg DSN."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _wait_ready(name: str, url: str, process: subprocess.Popen[bytes], deadline: float = 90) -> None:
    give_up = time.monotonic() + deadline
    while time.monotonic() < give_up:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with status {process.returncode} while starting")
        with contextlib.suppress(httpx.HTTPError):
            httpx.get(url, timeout=1)
            return
        time.sleep(0.2)
    raise RuntimeError(f"{name} did not answer at {url} within {deadline:.0f} s")


def groupdesk_env(database_url: str, key_file: Path) -> dict[str, str]:
    return {**os.environ, "GROUPDESK_ENV": "development", "GROUPDESK_DATABASE_URL": database_url,
            "GROUPDESK_DEMO_FEDERATION": "false", "GROUPDESK_MIGRATE_ON_START": "false",
            "GROUPDESK_TICK_SECONDS": "0", "GROUPDESK_EMBEDDED_RELAY": "false",
            "GROUPDESK_RATE_LIMIT_PRINCIPAL": "100000000/minute", "GROUPDESK_LOG_LEVEL": "WARNING",
            "GROUPDESK_DEV_ISSUER_KEY_FILE": str(key_file)}


def groupdesk_token(env: dict[str, str], username: str) -> str:
    done = subprocess.run([sys.executable, "-m", "groupdesk.cli", "token", username], env=env,
                          capture_output=True, text=True, check=True, cwd=ROOT)
    return done.stdout.strip()


@contextlib.contextmanager
def _process(name: str, argv: list[str], ready_url: str, *, env: dict[str, str] | None = None,
             cwd: Path = ROOT) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        _wait_ready(name, ready_url, process)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def floor(database_url: str) -> Iterator[Server]:
    port = free_port()
    url = f"http://127.0.0.1:{port}/graphql"
    with _process("floor", [sys.executable, "-m", "bench.floor_app", asyncpg_dsn(database_url),
                            str(port)], url) as process:
        yield Server("floor (Starlette + asyncpg + orjson)", url, process)


@contextlib.contextmanager
def groupdesk(database_url: str, key_file: Path, username: str, *, workers: int = 1) -> Iterator[Server]:
    port = free_port()
    env = groupdesk_env(database_url, key_file)
    argv = [sys.executable, "-m", "groupdesk.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    if workers > 1:
        argv += ["--workers", str(workers)]
    with _process("groupdesk", argv, f"http://127.0.0.1:{port}/healthz", env=env) as process:
        name = "groupdesk" if workers == 1 else f"groupdesk --workers {workers}"
        yield Server(name, f"http://127.0.0.1:{port}/graphql", process,
                     token=groupdesk_token(env, username))


def postgraphile_available() -> bool:
    return shutil.which("node") is not None and shutil.which("npm") is not None


@contextlib.contextmanager
def postgraphile(database_url: str) -> Iterator[Server]:
    if not (POSTGRAPHILE / "node_modules" / ".bin" / "postgraphile").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=POSTGRAPHILE, check=True,
                       capture_output=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}/graphql"
    argv = ["node", str(POSTGRAPHILE / "node_modules" / "postgraphile" / "cli.js"),
            "-c", asyncpg_dsn(database_url), "-s", "public", "-n", "127.0.0.1", "-p", str(port),
            "--disable-default-mutations", "--disable-query-log"]
    # Any answer (even 405 to a GET) means it listens.
    with _process("PostGraphile", argv, url, cwd=POSTGRAPHILE) as process:
        yield Server("PostGraphile 4", url, process)
