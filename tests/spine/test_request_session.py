"""One database connection and one transaction per GraphQL request, authentication included; none
for an operation that reads nothing; and no pre-ping round trip when a connection is taken.

The app runs on its own engine here (not the tests' shared transaction), so what is counted is
what the app does: connections taken from the pool, transactions begun, statements sent.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from groupdesk.app import create_app
from server.config import Settings
from tests.tickets.helpers import LYON_AGENT

VIEWER = {"query": "{ viewer { user { username } } }"}


@dataclass
class Counts:
    checkouts: int = 0
    begins: int = 0
    statements: list[str] = field(default_factory=list)


@contextmanager
def counting(engine: AsyncEngine) -> Iterator[Counts]:
    counts = Counts()

    def checkout(*_: Any) -> None:
        counts.checkouts += 1

    def begin(*_: Any) -> None:
        counts.begins += 1

    def statement(conn: Any, cursor: Any, text: str, *_: Any) -> None:
        counts.statements.append(text)

    listeners = [(engine.sync_engine.pool, "checkout", checkout), (engine.sync_engine, "begin", begin),
                 (engine.sync_engine, "before_cursor_execute", statement)]
    for target, name, listener in listeners:
        event.listen(target, name, listener)
    try:
        yield counts
    finally:
        for target, name, listener in listeners:
            event.remove(target, name, listener)


@pytest.fixture
async def own_client(settings: Settings, engine: AsyncEngine) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    """A new app (empty caches) on the engine itself: its sessions commit for real (it only reads)."""
    app = create_app(settings, engine=engine)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://groupdesk.test") as c:
        yield c, app.state.runtime.local_issuer.sign(LYON_AGENT, username=LYON_AGENT)


async def test_a_token_seen_first_is_read_in_the_connection_and_transaction_of_the_operation(
        own_client: tuple[httpx.AsyncClient, Any], engine: AsyncEngine) -> None:
    client, token = own_client
    headers = {"Authorization": f"Bearer {token}"}
    with counting(engine) as first:
        answer = await client.post("/graphql", json=VIEWER, headers=headers)
    assert answer.json()["data"]["viewer"]["user"]["username"] == LYON_AGENT
    # Authentication read the caller by username, then the operation ran: one connection, one transaction.
    assert any("user_account.username =" in s for s in first.statements), first.statements
    assert (first.checkouts, first.begins) == (1, 1)
    # No pre-ping (a round trip on every checkout; server.db.create_engine leaves it off).
    assert engine.sync_engine.pool._pre_ping is False

    with counting(engine) as again:
        answer = await client.post("/graphql", json=VIEWER, headers=headers)
    assert answer.json()["data"]["viewer"]["user"]["username"] == LYON_AGENT
    assert not any("user_account.username =" in s for s in again.statements), again.statements
    assert (again.checkouts, again.begins) == (1, 1)


async def test_an_operation_that_reads_nothing_takes_no_connection(
        own_client: tuple[httpx.AsyncClient, Any], engine: AsyncEngine) -> None:
    client, token = own_client
    headers = {"Authorization": f"Bearer {token}"}
    await client.post("/graphql", json=VIEWER, headers=headers)  # the caller is now known
    with counting(engine) as counts:
        answer = await client.post("/graphql", json={"query": "{ __typename }"}, headers=headers)
    assert answer.json()["data"] == {"__typename": "Query"}
    assert (counts.checkouts, counts.begins, counts.statements) == (0, 0, [])


async def test_a_request_refused_after_authentication_read_gives_its_connection_back(
        own_client: tuple[httpx.AsyncClient, Any], engine: AsyncEngine) -> None:
    client, token = own_client
    pool = engine.sync_engine.pool
    before = pool.checkedout()  # type: ignore[attr-defined]
    # Authenticated (first sight: read in the request's session), then refused before any operation.
    with counting(engine) as counts:
        refused = await client.post("/graphql", content=b"[]", headers={
            "Authorization": f"Bearer {token}", "content-type": "application/json"})
    assert refused.status_code == 400
    assert any("user_account.username =" in s for s in counts.statements), counts.statements
    assert pool.checkedout() == before  # type: ignore[attr-defined]
