"""A page read by asyncpg itself (server.direct_rows) is the page SQLAlchemy reads: the same rows,
values, types and names, for every viewer, list, filter, order and window; and what it cannot
read, or a read that fails, goes through SQLAlchemy exactly as before.

PostgreSQL only: elsewhere, and inside a transaction block, every read goes through SQLAlchemy
(tested here too). A database of the module's own, committed for real, since the direct read
applies to a session reading outside a transaction block (server.db.begin_reading).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from server import migrations
from server.catalog.models import Priority
from server.db import begin_reading, create_engine, session_factory, writer_session
from server.direct_rows import plain_rows
from server.importing import import_federation
from server.instruments import statements_of_request
from server.pagination import PageArgs, written_limit
from server.tickets import actions
from server.tickets.listing import TicketFilter, TicketPage, list_tickets
from server.tickets.ordering import Direction, OrderField, TicketOrder
from server.tickets.queue import my_queue
from server.tickets.relatives import TICKETS, JoinedPage, Kind, joined_page
from server.tickets.service import open_ticket
from server.tickets.workflow import Action, TicketState
from tenants.context import Principal
from tenants.federation import demo_federation_path, load_federation
from tests.conftest import drop_database, new_database
from tests.tickets.helpers import (
    ACCOUNT_CREATION,
    ACCOUNT_REQUEST,
    ADMIN,
    CVL_AGENT,
    LYON_AGENT,
    LYON_EXPERT,
    LYON_MANAGER,
    MODEL_UPGRADE,
    RENNES_AGENT,
    ROUEN_EXPERT,
    SYNC_ERROR,
    SYNC_REQUEST,
    principal,
    sub_service_id,
)
from tests.tickets.test_statement_count import counting

pytestmark = pytest.mark.postgres

UPGRADE = {"platform": "scenari-pedagogie", "workshop_name": "Mechanics", "target_version": "4.1"}
VIEWERS = (ADMIN, LYON_AGENT, LYON_MANAGER, LYON_EXPERT, ROUEN_EXPERT, RENNES_AGENT)
RELATIONS = ((Kind.BRICK, "brick_id"), (Kind.SERVICE, "service_id"),
             (Kind.SUB_SERVICE, "sub_service_id"), (Kind.TENANT, "tenant_id"),
             (Kind.USER, "opened_by_id"), (Kind.USER, "assignee_id"))
WANTED = {Kind.BRICK: {"code", "name"}, Kind.SERVICE: {"name"}, Kind.SUB_SERVICE: {"name"},
          Kind.TENANT: {"slug", "name", "kind"}, Kind.USER: {"username", "display_name", "active"}}
# The list's page as the compiled plans read it: plain columns of every type a page shows.
PAGE = joined_page({"ref", "title", "state", "priority", "created_at", "updated_at", "assigned_at",
                    "escalation_level", "sla_state", "fulfilment_error",
                    "tenant_id", "opened_by_id", "sub_service_id", "service_id", "brick_id",
                    "assignee_id"}, RELATIONS, WANTED)
# Columns of types the direct read leaves to SQLAlchemy (JSON, a float).
WITH_JSON = joined_page({"ref", "request_data"}, RELATIONS[:1], WANTED)
WITH_FLOAT = joined_page({"ref", "sla_elapsed_seconds"}, RELATIONS[:1], WANTED)
LISTERS: dict[str, Callable[..., Any]] = {"tickets": list_tickets, "myQueue": my_queue}


@dataclass
class Database:
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    viewers: dict[str, Principal]


@pytest.fixture(scope="module")
async def database(backend: str, tmp_path_factory: pytest.TempPathFactory
                   ) -> AsyncIterator[Database]:
    url = await new_database(backend, tmp_path_factory.mktemp("direct"))
    engine = create_engine(url)
    try:
        await migrations.upgrade(engine)
        sessions = session_factory(engine)
        async with writer_session(sessions) as session:
            await import_federation(session, load_federation(demo_federation_path()))
        async with writer_session(sessions) as session:
            viewers = {name: await principal(session, name)
                       for name in {*VIEWERS, CVL_AGENT}}
            kinds = [(ACCOUNT_CREATION, ACCOUNT_REQUEST), (SYNC_ERROR, SYNC_REQUEST),
                     (MODEL_UPGRADE, UPGRADE)]
            opened = []
            for n in range(24):
                path, data = kinds[n % len(kinds)]
                opened.append(await open_ticket(
                    session, actor=viewers[(LYON_AGENT, RENNES_AGENT, CVL_AGENT)[n % 3]],
                    sub_service_id=await sub_service_id(session, path), title=f"Ticket {n}",
                    request_data=data, priority=(Priority.HIGH, Priority.LOW, None)[n % 3]))
            for ticket in opened[:6]:  # some taken by their expert, one resolved
                if ticket.assignee_id is not None and ticket.assignee_id == viewers[LYON_EXPERT].user_id:
                    await actions.perform(session, actor=viewers[LYON_EXPERT], ticket_id=ticket.id,
                                          action=Action.START, expected_version=None)
            assert len({t.state for t in opened}) > 1
        yield Database(engine, sessions, viewers)
    finally:
        await engine.dispose()
        await drop_database(url)


def _page_sql(statement: str) -> bool:
    return "FROM ticket LEFT OUTER JOIN" in statement


async def _read(db: Database, lister: str, viewer: str, filter: TicketFilter, order: TicketOrder,
                page: PageArgs, *, outside_a_transaction: bool,
                joined: JoinedPage = PAGE) -> tuple[TicketPage, list[str]]:
    async with db.sessions() as session:
        if outside_a_transaction:
            assert await begin_reading(session)
        else:
            await session.execute(text("SELECT 1"))  # the transaction block has begun
        with counting(db.engine) as sent:
            found = await LISTERS[lister](session, viewer=db.viewers[viewer], filter=filter,
                                          order=order, page=page, statement=joined.statement)
        return found, sent


def _same_rows(direct: list[Any], core: list[Any]) -> None:
    assert len(direct) == len(core)
    for mine, theirs in zip(direct, core, strict=True):
        assert tuple(mine._fields) == tuple(theirs._fields)
        assert tuple(mine) == tuple(theirs)
        assert [type(v) for v in mine] == [type(v) for v in theirs], (mine, theirs)
        for value in mine:  # every timestamp aware, in UTC, as UTCDateTime returns them
            if isinstance(value, dt.datetime):
                assert value.tzinfo is dt.UTC


async def _both(db: Database, lister: str, viewer: str, filter: TicketFilter, order: TicketOrder,
                page: PageArgs) -> TicketPage:
    """The page read directly and through SQLAlchemy: the same; the direct one's."""
    direct, sent = await _read(db, lister, viewer, filter, order, page, outside_a_transaction=True)
    assert not any(_page_sql(s) for s in sent), "the page went through SQLAlchemy"
    core, sent = await _read(db, lister, viewer, filter, order, page, outside_a_transaction=False)
    assert any(_page_sql(s) for s in sent)
    _same_rows(direct.rows, core.rows)
    assert list(direct.cursors) == list(core.cursors)
    assert (direct.has_next_page, direct.has_previous_page) == (core.has_next_page,
                                                                core.has_previous_page)
    return direct


ORDERS = [TicketOrder(field, direction) for field in OrderField for direction in Direction]


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize("lister", sorted(LISTERS))
async def test_every_order_and_window_reads_the_same_rows_directly(
        database: Database, viewer: str, lister: str) -> None:
    for order in ORDERS:
        first = await _both(database, lister, viewer, TicketFilter(), order, PageArgs(first=5))
        if len(first.rows) < 3:
            continue
        cursor = first.cursors[2]
        after = await _both(database, lister, viewer, TicketFilter(), order,
                            PageArgs(first=4, after=cursor))
        assert [r.id for r in after.rows][:2] == [r.id for r in first.rows][3:5]
        await _both(database, lister, viewer, TicketFilter(), order, PageArgs(last=2, before=cursor))


FILTERS = [
    TicketFilter(states=frozenset({TicketState.ASSIGNED, TicketState.IN_PROGRESS})),
    TicketFilter(states=frozenset({TicketState.WAITING_FOR_APPROVAL})),
    TicketFilter(priorities=frozenset({Priority.HIGH})),
    TicketFilter(unassigned=True),
    TicketFilter(unassigned=False, escalated=False),
    TicketFilter(created_after=dt.datetime(2000, 1, 1, tzinfo=dt.UTC),
                 created_before=dt.datetime(2100, 1, 1, tzinfo=dt.UTC)),
    TicketFilter(states=frozenset({TicketState.CLOSED})),  # no row at all
]


@pytest.mark.parametrize("viewer", (ADMIN, LYON_AGENT, LYON_EXPERT))
async def test_filtered_pages_read_the_same_rows_directly(database: Database, viewer: str) -> None:
    seen = 0
    for filter in FILTERS:
        found = await _both(database, "tickets", viewer, filter, TicketOrder(), PageArgs(first=50))
        seen += len(found.rows)
    assert seen > 0


async def test_filters_of_other_values_reuse_the_compiled_statement_with_their_own_values(
        database: Database) -> None:
    """The compiled statement is kept per shape: another school's, another id's, another
    instant's page of the same shape reads its own rows."""
    by_school = {}
    for agent in (LYON_AGENT, RENNES_AGENT, CVL_AGENT):
        found = await _both(database, "tickets", agent, TicketFilter(), TicketOrder(),
                            PageArgs(first=50))
        by_school[agent] = {r.tenant_id for r in found.rows}
    assert all(len(tenants) == 1 for tenants in by_school.values())
    assert len({next(iter(t)) for t in by_school.values()}) == 3


@pytest.mark.parametrize(("joined", "column", "kind"), [(WITH_JSON, "request_data", dict),
                                                       (WITH_FLOAT, "sla_elapsed_seconds", float)])
async def test_a_statement_with_a_column_it_does_not_read_goes_through_sqlalchemy(
        database: Database, joined: JoinedPage, column: str, kind: type) -> None:
    for _ in range(2):  # and again: it is not planned again, nor tried directly
        found, sent = await _read(database, "tickets", ADMIN, TicketFilter(), TicketOrder(),
                                  PageArgs(first=5), outside_a_transaction=True, joined=joined)
        assert any(_page_sql(s) for s in sent)
        assert found.rows and all(type(getattr(r, column)) is kind for r in found.rows)


async def test_a_read_that_fails_is_raised_by_sqlalchemy_as_before(database: Database) -> None:
    impossible = [TICKETS.c.id == text("'not a number'::int")]  # refused by the server
    async with database.sessions() as session:
        assert await begin_reading(session)
        with counting(database.engine) as sent, pytest.raises(DBAPIError) as raised:
            await plain_rows(session, PAGE.statement, where=impossible, limit=written_limit(5))
        assert "invalid input syntax" in str(raised.value.orig)
        assert any(_page_sql(s) for s in sent)  # SQLAlchemy ran it, and raised its error


async def test_a_lost_connection_is_invalidated_as_sqlalchemy_does(database: Database) -> None:
    async with database.sessions() as session:
        assert await begin_reading(session)
        connection = await session.connection()
        pid = (await connection.exec_driver_sql("SELECT pg_backend_pid()")).scalar_one()
        async with database.engine.connect() as other:
            await other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        with pytest.raises(DBAPIError) as raised:
            await plain_rows(session, PAGE.statement, limit=written_limit(5))
        assert raised.value.connection_invalidated
    async with database.sessions() as session:  # the pool serves a working connection again
        assert await begin_reading(session)
        assert await plain_rows(session, PAGE.statement, limit=written_limit(5))


async def test_inside_a_transaction_block_every_read_goes_through_sqlalchemy(
        database: Database) -> None:
    """A session that began a transaction reads in it (its snapshot, its SET LOCAL settings)."""
    _, sent = await _read(database, "tickets", ADMIN, TicketFilter(), TicketOrder(),
                          PageArgs(first=5), outside_a_transaction=False)
    assert any(_page_sql(s) for s in sent)


async def test_a_direct_read_is_counted_among_its_requests_statements(database: Database) -> None:
    counter = [0]
    token = statements_of_request.set(counter)
    try:
        async with database.sessions() as session:
            assert await begin_reading(session)
            with counting(database.engine) as sent:
                assert await plain_rows(session, PAGE.statement, limit=written_limit(5))
    finally:
        statements_of_request.reset(token)
    assert not any(_page_sql(s) for s in sent)  # read directly
    assert counter == [len(sent) + 1]
