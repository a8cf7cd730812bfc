"""Mutations take SQLite's write lock before their first read, so concurrent ones wait instead of failing."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from server import migrations
from groupdesk.app import create_app
from server.config import Settings
from server.db import create_engine, session_factory, writer_session
from server.importing import import_federation
from tenants.federation import demo_federation_path, load_federation
from tests.conftest import new_database
from tests.support.live_server import ENGLISH

CREATE = """mutation($code: String!) { createBrick(input: {code: $code, name: "Concurrent"}) {
  __typename } }"""


async def test_concurrent_mutations_on_sqlite_all_succeed(tmp_path: Path, settings: Settings) -> None:
    url = await new_database("sqlite", tmp_path)
    engine = create_engine(url)
    try:
        await migrations.upgrade(engine)
        async with writer_session(session_factory(engine)) as session:
            await import_federation(session, load_federation(demo_federation_path()))
        app = create_app(settings, engine=engine)
        token = app.state.runtime.local_issuer.sign("valentine.orsembaud", username="valentine.orsembaud")
        async with httpx.AsyncClient(headers=ENGLISH,
                                     transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            responses = await asyncio.gather(*(
                client.post("/graphql", json={"query": CREATE, "variables": {"code": f"brick-{n}"}},
                            headers={"Authorization": f"Bearer {token}"}) for n in range(12)))
        # A mutation that began deferred reads, then fails with "database is locked" once another
        # writer has committed since its read.
        # (`extensions` only reports each operation's cost.)
        bodies = [{k: v for k, v in r.json().items() if k != "extensions"} for r in responses]
        assert bodies == [{"data": {"createBrick": {"__typename": "Brick"}}}] * 12
    finally:
        await engine.dispose()
