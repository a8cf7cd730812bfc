"""Production never migrates on its own: behind head, it refuses to start and says what to run."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from server import migrations
from groupdesk.app import create_app
from server.config import Settings
from server.db import create_engine
from server.errors import ConfigurationError
from tests.conftest import drop_database, new_database
from tests.spine.test_outages import SwitchableDatabase, database  # noqa: F401  (a fixture)
from tests.support.realm import Realm, RealmServer
from tests.support.live_server import ENGLISH


@pytest.fixture
async def migrated(backend: str, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    url = await new_database(backend, tmp_path)
    engine = create_engine(url)
    try:
        await migrations.upgrade(engine)
        yield engine
    finally:
        await engine.dispose()
        await drop_database(url)


def production(realm_server: RealmServer, realm: Realm, tmp_path: Path) -> Settings:
    return Settings(_env_file=None, env="production", database_url="sqlite+aiosqlite:///unused.db",
                    oidc_server_url=realm_server.url, oidc_realms=realm.name, embedded_relay=False,
                    tick_seconds=0, dev_issuer_key_file=tmp_path / "key.json")


async def start(settings: Settings, engine: AsyncEngine) -> Any:
    app = create_app(settings, engine=engine)
    async with app.router.lifespan_context(app):
        return app


async def test_production_refuses_to_start_on_a_schema_behind_head_naming_the_command(
        migrated: AsyncEngine, realm_server: RealmServer, insa_realm: Realm, tmp_path: Path) -> None:
    head = migrations.head_revision()
    await migrations.downgrade(migrated, "-1")
    behind = await migrations.current_revision(migrated)

    with pytest.raises(ConfigurationError) as refused:
        await start(production(realm_server, insa_realm, tmp_path), migrated)

    assert str(refused.value) == f"the database schema is at {behind}, head is {head}: run groupdesk migrate"


async def test_production_starts_on_a_schema_at_head(
        migrated: AsyncEngine, realm_server: RealmServer, insa_realm: Realm, tmp_path: Path) -> None:
    app = await start(production(realm_server, insa_realm, tmp_path), migrated)

    assert app.state.runtime.settings.is_production


async def test_started_while_the_database_was_down_a_stale_schema_is_a_503_with_the_same_words(
        database: SwitchableDatabase, realm_server: RealmServer, insa_realm: Realm,  # noqa: F811
        tmp_path: Path) -> None:
    direct = create_engine(database.url)
    try:
        await migrations.downgrade(direct, "-1")
        behind, head = await migrations.current_revision(direct), migrations.head_revision()
        await database.down()
        engine = database.app_engine()
        app = create_app(production(realm_server, insa_realm, tmp_path), engine=engine)
        async with app.router.lifespan_context(app), httpx.AsyncClient(headers=ENGLISH, 
                transport=httpx.ASGITransport(app=app), base_url="http://groupdesk.test") as client:
            await database.up()
            refused = await client.post("/graphql", json={"query": "{ __typename }"})
            assert refused.status_code == 503 and refused.headers["retry-after"] == "5"
            assert refused.json()["errors"] == [{
                "message": f"the database schema is at {behind}, head is {head}: run groupdesk migrate",
                "extensions": {"code": "SERVICE_UNAVAILABLE"}}]
            assert (await client.get("/healthz")).status_code == 200

            await migrations.upgrade(direct)
            served = await client.post("/graphql", json={"query": "{ __typename }"})
            assert served.status_code == 200, served.text
        await engine.dispose()
    finally:
        await direct.dispose()
