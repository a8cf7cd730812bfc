"""What the console's tests need: its npm packages, its build, a browser, a groupdesk process."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support.live_server import free_port

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"
CHROMIUM = Path(os.environ.get("GROUPDESK_TEST_CHROMIUM", "/usr/bin/chromium"))
REQUIRE_BROWSER = os.environ.get("GROUPDESK_TEST_REQUIRE_BROWSER") == "1"


def require_packages() -> None:
    """The console's npm packages (`make test` installs them with `npm ci`)."""
    if shutil.which("npm") is None or not (WEB / "node_modules" / ".bin" / "vitest").exists():
        missing = "npm and web/node_modules (run `make console` or `cd web && npm ci`)"
        if REQUIRE_BROWSER:
            pytest.fail(f"the console's tests need {missing}")
        pytest.skip(f"the console's tests need {missing}")


def require_browser() -> None:
    """A built console and Debian's Chromium; CI (GROUPDESK_TEST_REQUIRE_BROWSER=1) fails without them."""
    require_packages()
    problems = []
    if not CHROMIUM.exists():
        problems.append(f"no browser at {CHROMIUM} (apt-get install chromium)")
    if not (WEB / "dist" / "index.html").exists():
        problems.append("no built console in web/dist (make console)")
    if problems:
        if REQUIRE_BROWSER:
            pytest.fail("; ".join(problems))
        pytest.skip("; ".join(problems))


def run_npm(*args: str, env: dict[str, str] | None = None, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["npm", *args], cwd=WEB, env={**os.environ, **(env or {})}, capture_output=True,
                          text=True, timeout=timeout, check=False)


@contextmanager
def groupdesk_process(directory: Path, **settings: str) -> Iterator[str]:
    """A real `groupdesk serve` on a fresh SQLite database with the demo federation; yields its URL.
    `settings` are more GROUPDESK_ variables (`OIDC_REALMS="insa"`)."""
    port = free_port()
    env = {
        **os.environ,
        "GROUPDESK_ENV": "development",
        "GROUPDESK_DATABASE_URL": f"sqlite+aiosqlite:///{directory / 'console.db'}",
        "GROUPDESK_DEV_ISSUER_KEY_FILE": str(directory / "issuer.json"),
        "GROUPDESK_CONSOLE_DIR": str(WEB / "dist"),
        "GROUPDESK_TICK_SECONDS": "0",
        "GROUPDESK_LOG_LEVEL": "WARNING",
        # The story signs in several people from one address in a few seconds.
        "GROUPDESK_RATE_LIMIT_PRINCIPAL": "10000/minute",
        **{f"GROUPDESK_{name}": value for name, value in settings.items()},
    }
    process = subprocess.Popen([sys.executable, "-m", "groupdesk.cli", "serve", "--port", str(port)],
                               cwd=directory, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True)
    ready = threading.Event()
    seen: list[str] = []

    def read() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            seen.append(line)
            if line.startswith("groupdesk: ready"):
                ready.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        if not ready.wait(120):
            raise RuntimeError("groupdesk did not start:\n" + "".join(seen[-40:]))
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        reader.join(timeout=15)
        if process.stderr is not None:
            process.stderr.close()
