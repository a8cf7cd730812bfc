"""What browsers get: CORS for the listed origins only, and the security headers on every response."""

from __future__ import annotations

import concurrent.futures

import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from groupdesk.app import create_app
from server.config import Settings
from tests.support.live_server import ENGLISH, free_port

PORTAL = "https://portal.groupe-insa.example.org"
CONSOLE = "http://localhost:5173"
PREFLIGHT = {"Access-Control-Request-Method": "POST",
             "Access-Control-Request-Headers": "authorization, content-type, idempotency-key"}
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def client_with(settings: Settings, engine: AsyncEngine,
                sessions: async_sessionmaker[AsyncSession]) -> Any:
    """`async with client_with(**changes)`: a client on an app built with some settings changed."""
    def make(**changes: Any) -> httpx.AsyncClient:
        changed = Settings(_env_file=None, **{**settings.model_dump(), **changes})
        app = create_app(changed, engine=engine, sessions=sessions)
        return httpx.AsyncClient(headers=ENGLISH,
                                 transport=httpx.ASGITransport(app=app), base_url="http://groupdesk.test")

    return make


@pytest.fixture
async def cors(client_with: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with client_with(cors_origins=f"{PORTAL}, {CONSOLE}", cors_max_age=900) as client:
        yield client


async def test_a_preflight_from_a_listed_origin_is_allowed(cors: httpx.AsyncClient) -> None:
    for origin in (PORTAL, CONSOLE):
        response = await cors.options("/graphql", headers={"Origin": origin, **PREFLIGHT})
        assert response.status_code == 200, response.text
        assert response.headers["access-control-allow-origin"] == origin
        allowed = {h.strip().lower() for h in response.headers["access-control-allow-headers"].split(",")}
        assert {"authorization", "content-type", "idempotency-key", "accept"} <= allowed
        assert {"GET", "POST"} <= set(response.headers["access-control-allow-methods"].replace(" ", "")
                                      .split(","))
        assert response.headers["access-control-max-age"] == "900"


async def test_a_preflight_from_another_origin_gets_no_permission(cors: httpx.AsyncClient) -> None:
    for origin in ("https://evil.example.com", PORTAL + ":8443", "http://portal.groupe-insa.example.org"):
        response = await cors.options("/graphql", headers={"Origin": origin, **PREFLIGHT})
        assert response.status_code >= 400
        assert "access-control-allow-origin" not in response.headers


async def test_a_listed_origin_reads_the_answer_and_its_request_id(cors: httpx.AsyncClient,
                                                                   token_for: Any) -> None:
    response = await cors.post("/graphql", json={"query": "{ bricks { code } }"}, headers={
        "Origin": PORTAL, "Authorization": f"Bearer {token_for('amandine.roclerc')}"})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == PORTAL
    assert response.headers["access-control-expose-headers"].lower() == "x-request-id"
    assert response.headers["x-request-id"]

    other = await cors.post("/graphql", json={"query": "{ __typename }"},
                            headers={"Origin": "https://evil.example.com"})
    assert "access-control-allow-origin" not in other.headers


async def test_without_listed_origins_there_is_no_cors_header_at_all(client: httpx.AsyncClient) -> None:
    preflight = await client.options("/graphql", headers={"Origin": PORTAL, **PREFLIGHT})
    answer = await client.post("/graphql", json={"query": "{ __typename }"}, headers={"Origin": PORTAL})
    for response in (preflight, answer):
        assert not [h for h in response.headers if h.lower().startswith("access-control-")]
    assert preflight.status_code == 405


@pytest.mark.parametrize("value", ["*", "https://*.example.org", "https://portal.example.org/",
                                   "portal.example.org", "https://portal.example.org/graphql"])
def test_an_origin_list_that_is_not_exact_origins_is_refused_naming_the_setting(value: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(_env_file=None, cors_origins=f"{PORTAL},{value}")
    assert "cors_origins" in str(refused.value)
    assert repr(value) in str(refused.value)


async def test_every_response_carries_the_security_headers(client: httpx.AsyncClient) -> None:
    responses = [await client.get("/healthz"), await client.get("/nowhere"),
                 await client.post("/graphql", json={"query": "{ __typename }"}),
                 await client.get("/scim/v2/ServiceProviderConfig"),
                 await client.options("/graphql")]
    for response in responses:
        assert response.headers["x-content-type-options"] == "nosniff", response.url
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert "strict-transport-security" not in response.headers


async def test_hsts_is_sent_when_configured(client_with: Any) -> None:
    async with client_with(hsts_seconds=31_536_000) as client:
        response = await client.get("/healthz")
    assert response.headers["strict-transport-security"] == "max-age=31536000"


def test_groupdesk_serve_sends_no_server_banner(tmp_path: Path) -> None:
    port = free_port()
    environ = {**os.environ, "PYTHONPATH": str(ROOT), "GROUPDESK_ENV": "development",
               "GROUPDESK_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'serve.db'}",
               "GROUPDESK_DEV_ISSUER_KEY_FILE": str(tmp_path / "key.json"),
               "GROUPDESK_DEMO_FEDERATION": "false", "GROUPDESK_EMBEDDED_RELAY": "false",
               "GROUPDESK_TICK_SECONDS": "0"}
    process = subprocess.Popen([sys.executable, "-m", "groupdesk.cli", "serve", "--port", str(port)],
                               cwd=tmp_path, env=environ, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    try:
        # `groupdesk serve` says on stderr when it listens (groupdesk.serving.ReadyServer).
        assert process.stderr is not None
        with concurrent.futures.ThreadPoolExecutor(1) as reader:
            def ready() -> bool:
                return any(line.startswith("groupdesk: ") for line in iter(process.stderr.readline, ""))

            assert reader.submit(ready).result(timeout=120), "groupdesk serve ended before it listened"
            response = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=30)
        assert response.status_code == 200
        assert "server" not in response.headers
        assert response.headers["x-content-type-options"] == "nosniff"
    finally:
        process.terminate()
        process.communicate(timeout=30)
