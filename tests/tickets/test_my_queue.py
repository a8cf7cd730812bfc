"""myQueue: an expert's open assignments and the queued tickets of what they are designated on."""

from __future__ import annotations

import dataclasses

import pytest

from server.errors import ActionNotAllowed, NotFound
from server.tickets import actions
from server.tickets.listing import PageArgs, TicketFilter, list_tickets
from server.tickets.ordering import OrderField, TicketOrder
from server.tickets.queue import my_queue
from server.tickets.workflow import Action, TicketState
from tenants.context import Role
from tests.tickets.helpers import (
    ACCOUNT_CREATION,
    ADMIN,
    LYON_AGENT,
    LYON_EXPERT,
    MODEL_UPGRADE,
    PROJECT_FOLDER,
    PUBLICATION_FAILURE,
    RENNES_AGENT,
    RENNES_EXPERT,
    ROLE_CHANGE,
    ROUEN_EXPERT,
    STRASBOURG_EXPERT,
    principal,
)
from tests.tickets.listing_helpers import insert_ticket

SCORM = ("scenari", "Publishing", "SCORM package for Moodle")
S = TicketState


@pytest.fixture
async def tickets(session) -> None:
    rows = [
        # Queued: who may take them depends on the designation's level.
        ("account", ACCOUNT_CREATION, S.NEW, None, "insa-lyon"),          # service: Rouen, Lyon
        ("workshop", MODEL_UPGRADE, S.NEW, None, "insa-lyon"),            # brick only: Lyon
        ("publication", PUBLICATION_FAILURE, S.APPROVED, None, "insa-toulouse"),  # Rouen, Lyon
        ("scorm", SCORM, S.NEW, None, "insa-lyon"),                       # brick only: Lyon
        ("approval", ROLE_CHANGE, S.WAITING_FOR_APPROVAL, None, "insa-lyon"),  # nobody yet
        ("folder", PROJECT_FOLDER, S.NEW, None, "insa-rennes"),           # Strasbourg
        # Assigned: in the assignee's queue while work remains.
        ("rouen-assigned", ACCOUNT_CREATION, S.ASSIGNED, ROUEN_EXPERT, "insa-lyon"),
        ("rouen-working", ACCOUNT_CREATION, S.IN_PROGRESS, ROUEN_EXPERT, "insa-lyon"),
        ("rouen-pending", ACCOUNT_CREATION, S.PENDING, ROUEN_EXPERT, "insa-rennes"),
        ("rouen-resolved", ACCOUNT_CREATION, S.RESOLVED, ROUEN_EXPERT, "insa-lyon"),
        ("rouen-closed", ACCOUNT_CREATION, S.CLOSED, ROUEN_EXPERT, "insa-lyon"),
        ("lyon-elsewhere", PROJECT_FOLDER, S.ASSIGNED, LYON_EXPERT, "insa-rennes"),
    ]
    for title, path, state, assignee, school in rows:
        await insert_ticket(session, title=title, path=path, state=state, assignee=assignee,
                            school=school,
                            opened_by=RENNES_AGENT if school == "insa-rennes" else LYON_AGENT)


async def _queue(session, username: str, **fields) -> list[str]:
    viewer = await principal(session, username)
    page = await my_queue(session, viewer=viewer, filter=TicketFilter(**fields),
                          page=PageArgs(first=50))
    return sorted(t.title for t in page.tickets)


async def test_an_expert_sees_open_assignments_and_what_their_designations_may_take(
        session, tickets) -> None:
    assert await _queue(session, ROUEN_EXPERT) == [
        "account", "publication", "rouen-assigned", "rouen-pending", "rouen-working"]
    assert await _queue(session, LYON_EXPERT) == [
        "account", "lyon-elsewhere", "publication", "scorm", "workshop"]
    assert await _queue(session, STRASBOURG_EXPERT) == ["folder"]
    assert await _queue(session, RENNES_EXPERT) == []


async def test_people_who_take_no_tickets_have_an_empty_queue(session, tickets) -> None:
    for username in (LYON_AGENT, RENNES_AGENT, ADMIN):
        assert await _queue(session, username) == [], username


async def test_a_designation_without_the_expert_role_takes_nothing(session, tickets) -> None:
    viewer = await principal(session, ROUEN_EXPERT)
    demoted = dataclasses.replace(viewer, roles=frozenset({Role.SCHOOL_AGENT}))
    page = await my_queue(session, viewer=demoted, page=PageArgs(first=50))
    assert sorted(t.title for t in page.tickets) == [
        "rouen-assigned", "rouen-pending", "rouen-working"]


async def test_the_queue_filters_orders_and_pages_like_any_list(session, tickets) -> None:
    assert await _queue(session, ROUEN_EXPERT, states=frozenset({S.NEW, S.APPROVED})) == [
        "account", "publication"]
    viewer = await principal(session, ROUEN_EXPERT)
    order = TicketOrder(OrderField.CREATED_AT)
    first = await my_queue(session, viewer=viewer, order=order, page=PageArgs(first=3))
    rest = await my_queue(session, viewer=viewer, order=order,
                          page=PageArgs(first=3, after=first.cursors[-1]))
    titles = [t.title for t in first.tickets + rest.tickets]
    assert sorted(titles) == await _queue(session, ROUEN_EXPERT)
    assert (first.has_next_page, rest.has_next_page) == (True, False)


async def test_an_expert_takes_exactly_the_queued_tickets_their_queue_shows(session, tickets) -> None:
    # Rouen is designated on two parts of Scenari (a service and a sub-service), not on the brick:
    # the workshop and SCORM tickets are Scenari's but not theirs to take.
    viewer = await principal(session, ROUEN_EXPERT)
    queued = {t.title: t for t in await _all(session, ADMIN) if t.state in (S.NEW, S.APPROVED)}
    shown = set(await _queue(session, ROUEN_EXPERT))
    for title, ticket in sorted(queued.items()):
        savepoint = await session.begin_nested()
        try:
            await actions.perform(session, actor=viewer, ticket_id=ticket.id, action=Action.TAKE,
                                  expected_version=ticket.version)
            took = True
        except (ActionNotAllowed, NotFound):
            took = False
        finally:
            await savepoint.rollback()
        assert took is (title in shown), title


async def _all(session, username: str) -> list:
    page = await list_tickets(session, viewer=await principal(session, username),
                              page=PageArgs(first=100))
    return page.tickets
