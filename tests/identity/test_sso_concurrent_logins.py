"""First logins that race: the SPA fires several requests at once with a brand-new user's token."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from server import migrations
from groupdesk.app import create_app
from server.config import Settings
from server.db import create_engine, session_factory, writer_session
from server.identity.models import User
from server.importing import import_federation
from tenants.federation import demo_federation_path, load_federation
from tests.conftest import drop_database, new_database
from tests.identity.test_sso_login import VIEWER, person
from tests.support.realm import Realm, RealmServer
from tests.support.live_server import ENGLISH


@pytest.fixture
async def app_on_its_own_database(backend: str, tmp_path: Path, realm_server: RealmServer,
                                  insa_realm: Realm) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    """The app with a pool of real connections, so that requests truly run side by side."""
    url = await new_database(backend, tmp_path)
    engine = create_engine(url)
    try:
        await migrations.upgrade(engine)
        async with writer_session(session_factory(engine)) as session:
            await import_federation(session, load_federation(demo_federation_path()))
        settings = Settings(_env_file=None, database_url=url, dev_issuer=False, demo_federation=False,
                            migrate_on_start=False, oidc_server_url=realm_server.url,
                            oidc_realms=insa_realm.name)
        app = create_app(settings, engine=engine)
        async with httpx.AsyncClient(headers=ENGLISH,
                                     transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            yield client, url
        await app.state.runtime.verifier.aclose()
    finally:
        await engine.dispose()
        await drop_database(url)


async def _users_named(url: str, prefix: str) -> list[str]:
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            return list(await session.scalars(select(User.username).where(User.username.startswith(prefix))
                                              .order_by(User.username)))
    finally:
        await engine.dispose()


async def test_simultaneous_first_requests_create_one_user(
        app_on_its_own_database: tuple[httpx.AsyncClient, str], insa_realm: Realm) -> None:
    client, url = app_on_its_own_database
    token = person(insa_realm, "racer", sub="sub-racer")

    responses = await asyncio.gather(*(
        client.post("/graphql", json={"query": VIEWER}, headers={"Authorization": f"Bearer {token}"})
        for _ in range(8)))

    assert [r.status_code for r in responses] == [200] * 8, [r.text for r in responses]
    assert {r.json()["data"]["viewer"]["user"]["username"] for r in responses} == {"racer"}
    assert await _users_named(url, "racer") == ["racer"]


async def test_two_new_identities_racing_for_one_username_both_get_in(
        app_on_its_own_database: tuple[httpx.AsyncClient, str], insa_realm: Realm) -> None:
    client, url = app_on_its_own_database
    tokens = [person(insa_realm, "twin", sub=f"sub-twin-{n}") for n in range(2)]

    responses = await asyncio.gather(*(
        client.post("/graphql", json={"query": VIEWER}, headers={"Authorization": f"Bearer {token}"})
        for token in tokens for _ in range(3)))

    assert [r.status_code for r in responses] == [200] * 6, [r.text for r in responses]
    assert await _users_named(url, "twin") == ["twin", "twin@insa-lyon"]
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            assert await session.scalar(select(func.count()).select_from(User)
                                        .where(User.issuer == insa_realm.issuer,
                                               User.subject.startswith("sub-twin-"))) == 2
    finally:
        await engine.dispose()


async def test_simultaneous_first_logins_of_a_file_user_claim_one_account(
        app_on_its_own_database: tuple[httpx.AsyncClient, str], insa_realm: Realm) -> None:
    client, url = app_on_its_own_database
    token = person(insa_realm, "ismael.grandcourtois", sub="sub-ismael-racer", organization="insa-rouen")

    responses = await asyncio.gather(*(
        client.post("/graphql", json={"query": VIEWER}, headers={"Authorization": f"Bearer {token}"})
        for _ in range(6)))

    assert [r.status_code for r in responses] == [200] * 6, [r.text for r in responses]
    assert {r.json()["data"]["viewer"]["user"]["username"] for r in responses} == {"ismael.grandcourtois"}
    assert await _users_named(url, "ismael") == ["ismael.grandcourtois"]
