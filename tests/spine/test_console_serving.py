"""The web console at `/`: its files with an SPA fallback, its sign-in configuration, and the demo
sign-in, which exists in development only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from groupdesk.app import create_app
from server.config import Settings


@pytest.fixture
def built_console(tmp_path: Path) -> Path:
    """A directory shaped like web/dist after `npm run build`."""
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><title>groupdesk</title><div id=root></div>")
    (tmp_path / "assets" / "index-3f2a.js").write_text("console.log('console');\n" * 200)
    return tmp_path


def console_app(settings: Settings, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession],
                **changes: Any) -> Any:
    return create_app(settings.model_copy(update=changes), engine=engine, sessions=sessions)


def client_of(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://groupdesk.test")


async def test_the_built_console_is_served_at_the_root_and_for_its_client_routes(
        settings: Settings, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession],
        built_console: Path) -> None:
    app = console_app(settings, engine, sessions, console_dir=built_console)
    async with client_of(app) as client:
        root = await client.get("/")
        deep = await client.get("/tickets/GRP-2026-000001")
        asset = await client.get("/assets/index-3f2a.js", headers={"Accept-Encoding": "gzip"})
        missing_asset = await client.get("/assets/gone.js")
        api = await client.post("/graphql", json={"query": "{ __typename }"})
    assert root.status_code == 200 and "<div id=root>" in root.text
    assert deep.status_code == 200 and deep.text == root.text
    assert "script-src 'self'" in root.headers["content-security-policy"]
    assert root.headers["cache-control"] == "no-cache"
    assert asset.status_code == 200 and "immutable" in asset.headers["cache-control"]
    assert asset.headers["content-encoding"] == "gzip" and asset.text.startswith("console.log")
    assert missing_asset.status_code == 404
    # The API keeps its own answers and its strict policy.
    assert api.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"


async def test_without_a_built_console_the_service_starts_and_the_root_leads_to_graphiql(
        settings: Settings, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession],
        tmp_path: Path) -> None:
    app = console_app(settings, engine, sessions, console_dir=tmp_path / "never-built")
    async with client_of(app) as client:
        root = await client.get("/")
        deep = await client.get("/tickets/GRP-2026-000001")
    assert root.status_code == 307 and root.headers["location"] == "/graphql"
    assert deep.status_code == 404


async def test_the_demo_sign_in_lists_people_and_signs_a_token_the_api_accepts(client: httpx.AsyncClient) -> None:
    users = (await client.get("/dev/demo-users")).json()["users"]
    agent = next(u for u in users if u["username"] == "amandine.roclerc")
    assert agent["tenant"] == "INSA Lyon" and "school-agent" in agent["roles"]
    assert all(not u["username"].startswith(("desk.", "scim.")) for u in users)

    signed = await client.post("/dev/demo-token", json={"username": "amandine.roclerc"})
    assert signed.status_code == 200 and signed.headers["cache-control"] == "no-store"
    viewer = await client.post("/graphql", json={"query": "{ viewer { user { username } } }"},
                               headers={"Authorization": f"Bearer {signed.json()['accessToken']}"})
    assert viewer.json()["data"]["viewer"]["user"]["username"] == "amandine.roclerc"


async def test_the_demo_sign_in_refuses_unknown_people_and_malformed_requests(client: httpx.AsyncClient) -> None:
    unknown = await client.post("/dev/demo-token", json={"username": "nobody.here"})
    malformed = await client.post("/dev/demo-token", content=b"not json")
    assert unknown.status_code == 404 and "nobody.here" in unknown.json()["error"]
    assert malformed.status_code == 400


async def test_production_has_no_demo_sign_in_and_names_its_realms(
        engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], tmp_path: Path) -> None:
    settings = Settings(env="production", _env_file=None, dev_issuer_key_file=tmp_path / "k.json",
                        oidc_server_url="https://sso.example.org/", oidc_realms="insa",
                        console_dir=tmp_path, migrate_on_start=False)
    app = create_app(settings, engine=engine, sessions=sessions)
    async with client_of(app) as client:
        users = await client.get("/dev/demo-users")
        token = await client.post("/dev/demo-token", json={"username": "amandine.roclerc"})
        config = (await client.get("/console/config.json")).json()
    assert users.status_code == 404 and token.status_code == 404
    assert config == {"realms": [{"realm": "insa", "authority": "https://sso.example.org/realms/insa",
                                  "clientId": "groupdesk-portal"}],
                      "demoSignIn": False, "production": True}


async def test_development_offers_the_demo_sign_in_in_its_configuration(client: httpx.AsyncClient) -> None:
    config = (await client.get("/console/config.json")).json()
    assert config == {"realms": [], "demoSignIn": True, "production": False}


def test_the_ready_line_leads_to_the_console_when_it_is_built() -> None:
    from groupdesk.serving import ready_line

    built = ready_line("127.0.0.1", 8000, dev_issuer=True, console=True)
    assert "the console on http://127.0.0.1:8000/ (sign in as a demo user)" in built
    assert "GraphiQL on http://127.0.0.1:8000/graphql" in built
    assert "the console" not in ready_line("127.0.0.1", 8000, dev_issuer=True, console=False)
    assert ready_line("::1", 8000, dev_issuer=False, console=True) == (
        "groupdesk: serving the console on http://[::1]:8000/ and GraphQL on http://[::1]:8000/graphql")
