"""The GraphQL over HTTP audit of graphql-http (the reference implementation's own checks), run against
groupdesk live on loopback: no warning and no error, MUST and SHOULD alike."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from groupdesk.app import create_app
from server.config import Settings
from server.identity.local_issuer import LocalIssuer
from tests.support.graphql_http_audit import AUDIT_DIR, NodeMissing, check_node, ensure_installed
from tests.support.demo_database import demo_sqlite
from tests.support.live_server import LiveServer


@pytest.fixture(scope="module")
def node() -> str:
    try:
        found = check_node()
    except NodeMissing as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the GraphQL over HTTP audit: {exc}")
        pytest.skip(str(exc))
    ensure_installed()
    return found


@pytest.fixture(scope="module")
async def demo_database(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    directory = tmp_path_factory.mktemp("audit")
    url = await demo_sqlite(directory, "audit.db")
    return url, directory


@pytest.fixture(scope="module")
def live(demo_database: tuple[str, Path]) -> Iterator[tuple[LiveServer, Settings]]:
    url, directory = demo_database
    settings = Settings(_env_file=None, database_url=url, dev_issuer_key_file=directory / "key.json",
                        demo_federation=False, migrate_on_start=False, embedded_relay=False, tick_seconds=0)
    # lifespan="on": the app disposes of its engine when the server stops.
    with LiveServer(create_app(settings), lifespan="on") as server:
        yield server, settings


def test_the_graphql_over_http_audit_reports_no_warning_and_no_error(
        node: str, live: tuple[LiveServer, Settings]) -> None:
    server, settings = live
    token = LocalIssuer.load_or_create(settings.dev_issuer_key_file).sign(
        "amandine.roclerc", username="amandine.roclerc")
    run = subprocess.run([node, "audit.mjs"], cwd=AUDIT_DIR, capture_output=True, text=True, timeout=300,
                         env={**os.environ, "GROUPDESK_AUDIT_URL": f"{server.url}/graphql",
                              "GROUPDESK_AUDIT_TOKEN": token})
    assert run.returncode == 0, run.stderr
    results = [json.loads(line) for line in run.stdout.splitlines() if line.strip()]

    failed = [r for r in results if r["status"] != "ok"]
    assert not failed, "\n".join(json.dumps(r, indent=2) for r in failed)
    assert len(results) >= 50  # the whole audit ran (61 checks in graphql-http 1.23)
