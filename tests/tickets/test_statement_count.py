"""A page of tickets with every nested relation costs the same few SQL statements for 10 or 100."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event
from sqlalchemy.engine.default import CACHE_HIT
from sqlalchemy.ext.asyncio import AsyncEngine

from server.catalog.models import Priority, Service, SubService
from server.db import utcnow
from server.tickets.models import EventKind, Ticket, TicketComment, TicketEvent, Visibility
from server.tickets.workflow import TicketState
from tests.tickets.helpers import (
    ACCOUNT_CREATION,
    ADMIN,
    LYON_AGENT,
    LYON_EXPERT,
    PROJECT_FOLDER,
    PUBLICATION_FAILURE,
    RENNES_AGENT,
    ROUEN_EXPERT,
    STRASBOURG_EXPERT,
    sub_service_id,
    tenant_id,
    user_id,
)

PAGE = """query($n: Int!) { tickets(first: $n) {
  totalCount pageInfo { hasNextPage endCursor }
  edges { cursor node {
    id ref title state priority requesterName escalationLevel allowedActions
    brick { code } service { name } subService { name service { name } } school { slug }
    openedBy { username } assignee { username }
    lastComments(count: 2) { body visibility author { username } }
    comments { totalCount edges { cursor node { body author { username } } } }
    history { totalCount pageInfo { hasNextPage } edges { node { kind actor { username } } } }
  } } } }"""


CONTROL = ("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT")


@contextmanager
def counting(engine: AsyncEngine) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:
        # Transaction control comes from the test's savepoints, not from the operation.
        if not statement.lstrip().upper().startswith(CONTROL):
            statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)


@contextmanager
def compiled_anew(engine: AsyncEngine) -> Iterator[list[str]]:
    """The statements SQLAlchemy compiled for this execution instead of taking its compiled cache's
    (a statement without a cache key, such as a multi-row VALUES, is compiled every time)."""
    anew: list[str] = []

    def look(conn, cursor, statement, parameters, context, executemany) -> None:
        if context is not None and not statement.lstrip().upper().startswith(CONTROL) \
                and context.cache_hit is not CACHE_HIT:
            anew.append(f"{context.cache_hit.name}: {statement}")

    event.listen(engine.sync_engine, "before_cursor_execute", look)
    try:
        yield anew
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", look)


@pytest.fixture
async def hundred_tickets(session) -> None:
    """100 tickets over two bricks and two schools, half assigned, with public and internal notes."""
    paths = [ACCOUNT_CREATION, PUBLICATION_FAILURE, PROJECT_FOLDER]
    subs = [await session.get(SubService, await sub_service_id(session, p)) for p in paths]
    services = [await session.get(Service, s.service_id) for s in subs]
    schools = {s: await tenant_id(session, s) for s in ("insa-lyon", "insa-rennes")}
    users = {u: await user_id(session, u) for u in (
        LYON_AGENT, RENNES_AGENT, ROUEN_EXPERT, LYON_EXPERT, STRASBOURG_EXPERT, ADMIN)}
    now = utcnow()
    for n in range(100):
        k = n % 3
        school, opener = (("insa-lyon", LYON_AGENT) if n % 2 else ("insa-rennes", RENNES_AGENT))
        assignee = (ROUEN_EXPERT, LYON_EXPERT, STRASBOURG_EXPERT)[k] if n % 4 < 2 else None
        ticket = Ticket(
            ref=f"GRP-1998-{n:06d}", tenant_id=schools[school], opened_by_id=users[opener],
            sub_service_id=subs[k].id, service_id=services[k].id, brick_id=services[k].brick_id,
            title=f"Ticket {n}", description="", priority=list(Priority)[n % 4],
            state=TicketState.ASSIGNED if assignee else TicketState.NEW, request_data={},
            requester_name="A teacher", assignee_id=users[assignee] if assignee else None,
            escalation_level=0, version=1, created_at=now, updated_at=now)
        session.add(ticket)
        await session.flush()
        session.add_all([
            TicketComment(ticket_id=ticket.id, author_id=users[opener], body="Any news?",
                          visibility=Visibility.PUBLIC),
            TicketComment(ticket_id=ticket.id, author_id=users[ADMIN], body="Checked the logs.",
                          visibility=Visibility.INTERNAL),
            TicketEvent(ticket_id=ticket.id, kind=EventKind.OPENED, actor_id=users[opener],
                        visibility=Visibility.PUBLIC, data={}, created_at=now),
        ])
    await session.flush()


@pytest.mark.parametrize("viewer", [ADMIN, ROUEN_EXPERT, LYON_AGENT])
async def test_statements_do_not_grow_with_the_page(gql, engine, hundred_tickets, viewer) -> None:
    counts = {}
    for size in (10, 100):
        with counting(engine) as statements:
            data = await gql(PAGE, {"n": size}, as_user=viewer)
        edges = data["tickets"]["edges"]
        assert len(edges) == min(size, data["tickets"]["totalCount"])
        counts[size] = len(statements)
    assert counts[10] == counts[100], counts
    # Authentication 2, the page and its count 2, brick, service, sub-service, school, users,
    # latest comments, comments and their count, history and its count, then the users first
    # seen as authors: 15.
    assert counts[100] <= 15, counts


async def test_last_comments_apply_the_readers_visibility(gql, hundred_tickets) -> None:
    query = """{ tickets(first: 1) { edges { node {
        lastComments(count: 5) { body visibility } comments { edges { node { body } } } } } } }"""
    node = (await gql(query, as_user=ADMIN))["tickets"]["edges"][0]["node"]
    assert [c["body"] for c in node["lastComments"]] == ["Checked the logs.", "Any news?"]
    node = (await gql(query, as_user=LYON_AGENT))["tickets"]["edges"][0]["node"]
    assert node["lastComments"] == [{"body": "Any news?", "visibility": "PUBLIC"}]
    one = (await gql("{ tickets(first: 1) { edges { node { lastComments(count: 1) { body } "
                     "none: lastComments(count: 0) { body } } } } }", as_user=ADMIN))
    node = one["tickets"]["edges"][0]["node"]
    assert node == {"lastComments": [{"body": "Checked the logs."}], "none": []}
