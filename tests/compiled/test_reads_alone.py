"""What makes a compiled page cheaper keeps its answers: its statements read outside a transaction
block on PostgreSQL (no BEGIN and COMMIT round trips) except where they need one, the shape's
writer answers what field-by-field completion answers, and a page's cursors are written when read.

The app runs on its own engine here (not the tests' shared transaction), so the connection's
isolation is the app's own.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from graphql import parse
from graphql.execution import Executor
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

import schema
from groupdesk.app import create_app
from schema.compiled.planner import PlanCache
from schema.compiled.rows import Fetched, Listing
from schema.compiled.serializer import Response
from server.config import Settings
from server.cursors import Cursors, encode_cursor
from server.pagination import Total
from server.tickets.ordering import TicketOrder
from server.tickets.relatives import Kind
from tests.tickets.helpers import ADMIN

PAGE = ("{ tickets(first: 5) { totalCount pageInfo { endCursor } edges { cursor node { id ref "
        "state priority createdAt brick { code } school { slug } assignee { username } } } } }")
SEARCH = '{ tickets(first: 5, filter: {text: "imprimante"}) { edges { node { ref } } } }'
# Compiled until a ticket's comments after a cursor, which graphql-core answers (its refusal).
AFTER_A_CURSOR = '{ tickets(first: 5) { edges { node { ref comments(first: 1, after: "x") { totalCount } } } } }'


Seen = list[tuple[str, str | None]]


@contextmanager
def isolation_of_statements(engine: AsyncEngine) -> Iterator[list[tuple[str, str | None]]]:
    """Each statement the app sends, with the isolation level its connection had."""
    seen: list[tuple[str, str | None]] = []

    def statement(conn: Any, cursor: Any, text: str, *_: Any) -> None:
        seen.append((text, conn.get_execution_options().get("isolation_level")))

    event.listen(engine.sync_engine, "before_cursor_execute", statement)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", statement)


@pytest.fixture
async def own_client(settings: Settings, engine: AsyncEngine) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, str]]]:
    app = create_app(settings, engine=engine)
    token = app.state.runtime.local_issuer.sign(ADMIN, username=ADMIN)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://groupdesk.test") as c:
        headers = {"Authorization": f"Bearer {token}"}
        await c.post("/graphql", json={"query": "{ viewer { user { username } } }"}, headers=headers)
        yield c, headers  # the caller is known now: the next requests read nothing to authenticate


async def _both(client: httpx.AsyncClient, headers: dict[str, str], settings: Settings, query: str,
                engine: AsyncEngine) -> tuple[tuple[bytes, Seen], tuple[bytes, Seen]]:
    """The answer compiled, then graphql-core's (compiled execution off), with their statements."""
    with isolation_of_statements(engine) as seen:
        compiled = (await client.post("/graphql", json={"query": query}, headers=headers)).content
    settings.compiled_execution = False
    try:
        with isolation_of_statements(engine) as seen_core:
            core = (await client.post("/graphql", json={"query": query}, headers=headers)).content
    finally:
        settings.compiled_execution = True
    return (compiled, seen), (core, seen_core)


async def test_a_compiled_page_reads_outside_a_transaction_block_on_postgresql(
        own_client: tuple[httpx.AsyncClient, dict[str, str]], engine: AsyncEngine, settings: Settings,
        backend: str) -> None:
    client, headers = own_client
    (compiled, seen), (core, seen_core) = await _both(client, headers, settings, PAGE, engine)
    assert compiled == core
    assert "errors" not in json.loads(compiled)
    expected = "AUTOCOMMIT" if backend == "postgres" else None
    assert seen and {level for _, level in seen} == {expected}, seen
    # graphql-core's run of the same page keeps its transaction.
    assert seen_core and all(level is None for _, level in seen_core), seen_core


async def test_a_text_search_keeps_its_transaction(
        own_client: tuple[httpx.AsyncClient, dict[str, str]], engine: AsyncEngine, settings: Settings,
        backend: str) -> None:
    client, headers = own_client
    with isolation_of_statements(engine) as seen:
        answer = await client.post("/graphql", json={"query": SEARCH}, headers=headers)
    assert "errors" not in answer.json(), answer.json()
    # Its plan with values is SET LOCAL: only inside a transaction block does it mean anything.
    assert all(level is None for _, level in seen), seen
    if backend == "postgres":
        assert any("SET LOCAL plan_cache_mode" in text for text, _ in seen), seen


async def test_a_fallback_after_reading_alone_runs_in_a_transaction_and_answers_alike(
        own_client: tuple[httpx.AsyncClient, dict[str, str]], engine: AsyncEngine, settings: Settings) -> None:
    client, headers = own_client
    with isolation_of_statements(engine) as seen:
        answer = await client.post("/graphql", json={"query": AFTER_A_CURSOR}, headers=headers)
    # The root was read (alone on PostgreSQL), then graphql-core ran all of it again.
    assert seen and seen[-1][1] is None, seen
    (compiled, _), (core, _) = await _both(client, headers, settings, AFTER_A_CURSOR, engine)
    assert compiled == core == answer.content


class _Page:
    def __init__(self, rows: list[object]) -> None:
        self.rows, self.cursors = rows, [f"c{i}" for i in range(len(rows))]
        self.has_next_page = self.has_previous_page = False


class _Ticket:
    def __init__(self, ident: int, tenant_id: int | None) -> None:
        self.id, self.tenant_id, self.ref = ident, tenant_id, f"GRP-2026-{ident:06d}"


class _School:
    id, slug = 99, "insa-lyon"


def _shape(document: str) -> Any:
    built = schema.build_schema()._schema
    parsed = parse(document)
    executor = Executor.build(built, parsed)
    assert not isinstance(executor, list)
    return PlanCache().get(document, None, parsed, executor.operation).shape(executor)


@pytest.mark.parametrize("schools", [{99: _School()}, {}])
def test_the_writer_answers_what_completion_field_by_field_answers(schools: dict[int, Any]) -> None:
    """With every value at hand, and with a null where the type forbids one (then completion
    answers, its error located as graphql-core locates it)."""
    shape = _shape("{ tickets { edges { cursor node { __typename id ref school { slug } } } } "
                   "again: tickets { totalCount } }")
    tickets = [_Ticket(7, 99), _Ticket(8, 99)]
    values = [Listing(_Page(tickets), tickets, None), Listing(_Page([]), [], Total(0, exact=True))]  # type: ignore[arg-type]
    fetched = Fetched(viewer=None, rows={Kind.TENANT: schools})
    fast, slow = Response(fetched), Response(fetched)
    assert fast.data(shape, values) == slow.written(shape, values)  # type: ignore[arg-type]
    assert [e.formatted for e in fast.errors] == [e.formatted for e in slow.errors]
    assert bool(fast.errors) == (not schools)


def test_cursors_are_the_cursors_written_one_by_one() -> None:
    order = TicketOrder()
    rows = [_Row(i) for i in range(4)]
    cursors = Cursors(order, rows)
    written = [encode_cursor(order, r) for r in rows]
    assert len(cursors) == 4
    assert cursors[-1] == written[-1] and cursors[0] == written[0]
    assert cursors[1:3] == written[1:3]
    assert list(cursors) == written and cursors == written


class _Row:
    def __init__(self, ident: int) -> None:
        import datetime as dt

        self.id = ident
        self.created_at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(hours=ident)
