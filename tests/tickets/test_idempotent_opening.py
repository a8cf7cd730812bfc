"""openTicket with an idempotency key: a retry returns the same ticket, never a second one."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import utcnow, writer_session
from server.tickets import idempotency
from server.tickets.idempotency import IdempotencyKey, delete_expired_keys, open_once
from server.tickets.models import Ticket
from server.tickets.service import open_ticket
from tests.tickets.helpers import (
    ACCOUNT_CREATION,
    ACCOUNT_REQUEST,
    ADMIN,
    LYON_AGENT,
    LYON_MANAGER,
    OPEN,
    sub_service_gid,
)
from tests.tickets.test_concurrency import Database, database  # noqa: F401  (a fixture)


async def _total(gql: Any) -> int:
    return (await gql("{ tickets { totalCount } }", as_user=ADMIN))["tickets"]["totalCount"]


async def _input(gql: Any, **extra: Any) -> dict[str, Any]:
    return {"subServiceId": await sub_service_gid(gql, ACCOUNT_CREATION), "title": "Account please",
            "requestData": ACCOUNT_REQUEST, **extra}


async def test_a_retry_with_the_same_client_mutation_id_returns_the_same_ticket(gql) -> None:
    total = await _total(gql)
    input = await _input(gql, clientMutationId="open-42")

    first = (await gql(OPEN, {"input": input}, as_user=LYON_AGENT))["openTicket"]
    retried = (await gql(OPEN, {"input": input}, as_user=LYON_AGENT))["openTicket"]

    assert first["__typename"] == retried["__typename"] == "Ticket"
    assert retried["id"] == first["id"] and retried["ref"] == first["ref"]
    assert await _total(gql) == total + 1


async def test_the_idempotency_key_header_works_like_client_mutation_id(client, token_for, gql) -> None:
    total = await _total(gql)
    body = {"query": OPEN, "variables": {"input": await _input(gql)}}
    headers = {"Authorization": f"Bearer {token_for(LYON_AGENT)}", "Idempotency-Key": "header-key-1"}

    answers = [(await client.post("/graphql", json=body, headers=headers)).json() for _ in range(2)]

    ids = {a["data"]["openTicket"]["id"] for a in answers}
    assert len(ids) == 1 and await _total(gql) == total + 1


async def test_the_same_key_with_another_input_is_a_conflict_naming_the_key(gql) -> None:
    total = await _total(gql)
    await gql(OPEN, {"input": await _input(gql, clientMutationId="reused")}, as_user=LYON_AGENT)

    other = (await gql(OPEN, {"input": await _input(gql, clientMutationId="reused", title="Other")},
                       as_user=LYON_AGENT))["openTicket"]

    assert other["__typename"] == "Conflict"
    assert "clientMutationId 'reused'" in other["message"]
    assert await _total(gql) == total + 1


async def test_keys_are_the_callers_own(gql) -> None:
    input = await _input(gql, clientMutationId="shared-words")

    mine = (await gql(OPEN, {"input": input}, as_user=LYON_AGENT))["openTicket"]
    theirs = (await gql(OPEN, {"input": input}, as_user=LYON_MANAGER))["openTicket"]

    assert mine["id"] != theirs["id"]


@pytest.mark.parametrize("key", ["", "   ", "k" * 201])
async def test_an_unusable_key_is_refused_naming_the_field(gql, key: str) -> None:
    total = await _total(gql)

    result = (await gql(OPEN, {"input": await _input(gql, clientMutationId=key)},
                        as_user=LYON_AGENT))["openTicket"]

    assert result["__typename"] == "ValidationFailed"
    assert [f["field"] for f in result["fields"]] == ["clientMutationId"]
    assert await _total(gql) == total


async def test_an_expired_key_opens_a_new_ticket_and_the_tick_forgets_expired_keys(
        gql, session: AsyncSession) -> None:
    input = await _input(gql, clientMutationId="old-key")
    first = (await gql(OPEN, {"input": input}, as_user=LYON_AGENT))["openTicket"]
    past = utcnow() - dt.timedelta(seconds=1)
    await session.execute(update(IdempotencyKey).where(IdempotencyKey.key == "old-key")
                          .values(expires_at=past))

    again = (await gql(OPEN, {"input": input}, as_user=LYON_AGENT))["openTicket"]

    assert again["id"] != first["id"]
    await session.execute(update(IdempotencyKey).where(IdempotencyKey.key == "old-key")
                          .values(expires_at=past))
    assert await delete_expired_keys(session, now=utcnow()) >= 1
    assert await session.scalar(select(func.count()).select_from(IdempotencyKey)
                                .where(IdempotencyKey.key == "old-key")) == 0


async def _open_with_key(db: Database, key: str, *, claimed: asyncio.Event | None = None,
                         hold: asyncio.Event | None = None) -> int:
    async with writer_session(db.sessions) as session:
        ticket = await open_once(
            session, actor=db.agent, key=key, arguments={"title": "Twice"}, ttl=dt.timedelta(hours=1),
            open_ticket=lambda: open_ticket(session, actor=db.agent, sub_service_id=db.sub_service_id,
                                            title="Twice", request_data=ACCOUNT_REQUEST))
        if claimed is not None and hold is not None:
            claimed.set()
            await hold.wait()  # the claim stays uncommitted while the other request arrives
        return ticket.id


async def _until_waiting_on_a_lock(db: Database) -> None:
    async with db.engine.connect() as conn:
        # Only the database knows when a statement waits on a lock: ask it, until a generous deadline.
        deadline = asyncio.get_running_loop().time() + 120
        while asyncio.get_running_loop().time() < deadline:
            waiting = await conn.scalar(text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"))
            if waiting:
                return
            await conn.rollback()  # pg_stat_activity is a snapshot per transaction
            await asyncio.sleep(0.02)
    raise AssertionError("the second request never waited on the first one's key")


@pytest.mark.postgres
async def test_two_concurrent_requests_with_one_key_make_exactly_one_ticket(db: Database) -> None:
    key = f"race-{utcnow().timestamp()}"
    claimed, hold = asyncio.Event(), asyncio.Event()
    winner = asyncio.create_task(_open_with_key(db, key, claimed=claimed, hold=hold))
    await asyncio.wait_for(claimed.wait(), 30)
    # The winner's claim is uncommitted: the loser's insert waits on the unique index, then loses.
    loser = asyncio.create_task(_open_with_key(db, key))
    await _until_waiting_on_a_lock(db)
    hold.set()
    ids = await asyncio.gather(winner, loser)

    assert ids[0] == ids[1]
    async with db.sessions() as session:
        keys = (await session.execute(select(IdempotencyKey).where(IdempotencyKey.key == key))).scalars().all()
        assert [k.ticket_id for k in keys] == [ids[0]]
        assert await session.scalar(select(func.count()).select_from(Ticket).where(Ticket.id == ids[0])) == 1


@pytest.fixture
async def db(database: Database) -> AsyncIterator[Database]:  # noqa: F811
    yield database


def test_the_fingerprint_ignores_argument_order() -> None:
    assert idempotency.fingerprint({"a": 1, "b": [2]}) == idempotency.fingerprint({"b": [2], "a": 1})
