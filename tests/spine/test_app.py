"""Operations endpoints, request ids, and what production hides."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import pytest

from server import migrations
from groupdesk.app import create_app
from server.config import Settings
from server.db import create_engine
from tests.conftest import drop_database, new_database
from tests.support.live_server import ENGLISH


async def test_healthz_answers_while_the_process_runs(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_is_ready_when_the_schema_is_at_head(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200, response.text
    assert response.json() == {"status": "ready", "checks": {"database": "ok", "schema": "ok"}}


async def test_readyz_is_503_and_says_why_when_the_schema_is_behind(
        backend: str, tmp_path: Path, settings: Settings) -> None:
    url = await new_database(backend, tmp_path)
    engine = create_engine(url)
    try:
        app = create_app(settings, engine=engine)
        async with httpx.AsyncClient(headers=ENGLISH, transport=httpx.ASGITransport(app=app),
                                     base_url="http://t") as client:
            response = await client.get("/readyz")
        assert response.status_code == 503
        assert "run `groupdesk migrate`" in response.json()["checks"]["schema"]
        await migrations.upgrade(engine)
        async with httpx.AsyncClient(headers=ENGLISH, transport=httpx.ASGITransport(app=app),
                                     base_url="http://t") as client:
            assert (await client.get("/readyz")).status_code == 200
    finally:
        await engine.dispose()
        await drop_database(url)


async def test_every_response_carries_a_request_id_and_one_log_line(
        client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="groupdesk.access"):
        kept = await client.get("/healthz", headers={"X-Request-Id": "abc-123"})
        fresh = await client.get("/healthz")
    assert kept.headers["x-request-id"] == "abc-123"
    assert len(fresh.headers["x-request-id"]) == 32
    lines = [r for r in caplog.records if r.name == "groupdesk.access"]
    assert [r.fields["request_id"] for r in lines] == ["abc-123", fresh.headers["x-request-id"]]
    assert lines[0].fields["status"] == 200 and lines[0].fields["path"] == "/healthz"


async def test_graphiql_is_served_in_development(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


def test_production_settings_refuse_the_development_issuer() -> None:
    with pytest.raises(ValueError, match="cannot be enabled with GROUPDESK_ENV=production"):
        Settings(env="production", dev_issuer=True, _env_file=None)
    assert Settings(env="production", _env_file=None).dev_issuer is False


async def test_production_hides_graphiql_and_has_no_local_issuer(engine, tmp_path: Path) -> None:
    settings = Settings(env="production", _env_file=None, dev_issuer_key_file=tmp_path / "k.json",
                        oidc_server_url="https://sso.example.org/", oidc_realms="insa")
    app = create_app(settings, engine=engine)
    assert app.state.runtime.local_issuer is None
    assert not (tmp_path / "k.json").exists()
    async with httpx.AsyncClient(headers=ENGLISH,
                                 transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        assert (await c.get("/graphql", headers={"Accept": "text/html"})).status_code == 404
