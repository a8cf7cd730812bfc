"""Every filter of the ticket list keeps exactly the tickets it names, and the total agrees."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from sqlalchemy import PrimaryKeyConstraint, UniqueConstraint

from server.catalog.models import Priority, Service, SubService
from server.errors import ValidationFailed
from server.tickets import listing
from server.tickets.listing import PageArgs, TicketFilter
from server.tickets.models import Ticket
from server.tickets.ordering import OrderField, TicketOrder
from server.tickets.workflow import TicketState
from tests.tickets.helpers import (
    ADMIN,
    LYON_EXPERT,
    MODEL_UPGRADE,
    PROJECT_FOLDER,
    PUBLICATION_FAILURE,
    RENNES_AGENT,
    ROLE_CHANGE,
    ROUEN_EXPERT,
    principal,
    sub_service_id,
    tenant_id,
    user_id,
)
from tests.tickets.listing_helpers import BASE_TIME, insert_ticket

DAY = dt.timedelta(days=1)


@pytest.fixture
async def tickets(session) -> dict[str, int]:
    """Seven tickets that differ in one way each from the plain one."""
    made = {
        "plain": await insert_ticket(session, title="plain"),
        "rennes": await insert_ticket(session, title="rennes", school="insa-rennes",
                                      opened_by=RENNES_AGENT),
        "partage": await insert_ticket(session, title="partage", path=PROJECT_FOLDER),
        "publishing": await insert_ticket(session, title="publishing", path=PUBLICATION_FAILURE,
                                          state=TicketState.ASSIGNED, assignee=ROUEN_EXPERT),
        "workshop": await insert_ticket(session, title="workshop", path=MODEL_UPGRADE,
                                        state=TicketState.IN_PROGRESS, assignee=LYON_EXPERT,
                                        priority=Priority.CRITICAL),
        "escalated": await insert_ticket(session, title="escalated", path=ROLE_CHANGE,
                                         escalation_level=2, priority=Priority.HIGH,
                                         created_at=BASE_TIME - 10 * DAY),
        "old": await insert_ticket(session, title="old", state=TicketState.CLOSED,
                                   priority=Priority.LOW, escalation_level=1,
                                   created_at=BASE_TIME - 30 * DAY,
                                   updated_at=BASE_TIME - 20 * DAY),
    }
    return {name: t.id for name, t in made.items()}


async def _titles(session, **fields) -> set[str]:
    viewer = await principal(session, ADMIN)
    filter = TicketFilter(**fields)
    page = await listing.list_tickets(session, viewer=viewer, filter=filter,
                                      page=PageArgs(first=100))
    titles = {t.title for t in page.tickets}
    assert await listing.count(session, page) == len(titles)
    return titles


async def test_no_filter_lists_them_all(session, tickets) -> None:
    assert await _titles(session) == set(tickets)


async def test_state_school_and_catalogue_filters(session, tickets) -> None:
    assert await _titles(session, states=frozenset({TicketState.ASSIGNED,
                                                    TicketState.IN_PROGRESS})) == {
        "publishing", "workshop"}
    assert await _titles(session, tenant_ids=frozenset(
        {await tenant_id(session, "insa-rennes")})) == {"rennes"}
    folder = await session.get(SubService, await sub_service_id(session, PROJECT_FOLDER))
    assert await _titles(session, sub_service_ids=frozenset({folder.id})) == {"partage"}
    assert await _titles(session, service_ids=frozenset({folder.service_id})) == {"partage"}
    brick = await _brick_of(session, PROJECT_FOLDER)
    scenari = await _brick_of(session, PUBLICATION_FAILURE)
    assert await _titles(session, brick_ids=frozenset({brick})) == {"partage"}
    assert await _titles(session, brick_ids=frozenset({scenari})) == set(tickets) - {"partage"}
    # Fields combine with AND; values within a field with OR.
    assert await _titles(session, brick_ids=frozenset({brick, scenari}),
                         states=frozenset({TicketState.CLOSED})) == {"old"}


async def _brick_of(session, path) -> int:
    sub = await session.get(SubService, await sub_service_id(session, path))
    service = await session.get(Service, sub.service_id)
    return service.brick_id


async def test_assignee_and_unassigned_filters(session, tickets) -> None:
    rouen = await user_id(session, ROUEN_EXPERT)
    lyon = await user_id(session, LYON_EXPERT)
    assert await _titles(session, assignee_ids=frozenset({rouen})) == {"publishing"}
    assert await _titles(session, assignee_ids=frozenset({rouen, lyon})) == {"publishing",
                                                                              "workshop"}
    assert await _titles(session, unassigned=False) == {"publishing", "workshop"}
    assert await _titles(session, unassigned=True) == set(tickets) - {"publishing", "workshop"}


async def test_priority_and_escalation_filters(session, tickets) -> None:
    assert await _titles(session, priorities=frozenset({Priority.CRITICAL, Priority.LOW})) == {
        "workshop", "old"}
    assert await _titles(session, escalated=True) == {"escalated", "old"}
    assert await _titles(session, escalated=False) == set(tickets) - {"escalated", "old"}
    assert await _titles(session, min_escalation_level=2) == {"escalated"}


async def test_created_and_updated_ranges_include_the_lower_bound_only(session, tickets) -> None:
    escalated_at = BASE_TIME - 10 * DAY
    assert await _titles(session, created_before=BASE_TIME - DAY) == {"escalated", "old"}
    assert await _titles(session, created_after=escalated_at,
                         created_before=BASE_TIME - DAY) == {"escalated"}
    assert await _titles(session, created_after=escalated_at + dt.timedelta(microseconds=1),
                         created_before=BASE_TIME - DAY) == set()
    assert await _titles(session, created_before=escalated_at) == {"old"}
    assert await _titles(session, updated_before=BASE_TIME - 15 * DAY) == {"old"}
    assert await _titles(session, updated_after=BASE_TIME - 15 * DAY) == set(tickets) - {"old"}
    # Another time zone names the same instant.
    paris = dt.timezone(dt.timedelta(hours=1))
    assert await _titles(session, created_after=escalated_at.astimezone(paris),
                         created_before=(BASE_TIME - DAY).astimezone(paris)) == {"escalated"}


@pytest.mark.parametrize(("fields", "field"), [
    ({"created_after": dt.datetime(2026, 1, 1)}, "createdAfter"),
    ({"updated_before": dt.datetime(2026, 1, 1)}, "updatedBefore"),
    ({"created_after": BASE_TIME, "created_before": BASE_TIME}, "createdBefore"),
    ({"updated_after": BASE_TIME, "updated_before": BASE_TIME - DAY}, "updatedBefore"),
    ({"min_escalation_level": -1}, "minEscalationLevel"),
    ({"text": "x" * 201}, "text"),
])
async def test_unusable_filters_are_refused_naming_the_field(session, fields, field) -> None:
    viewer = await principal(session, ADMIN)
    with pytest.raises(ValidationFailed) as refused:
        await listing.list_tickets(session, viewer=viewer, filter=TicketFilter(**fields))
    assert [e.field for e in refused.value.errors] == [field]


def _one_field_filters() -> list[tuple[str, TicketFilter]]:
    found = []
    for f in dataclasses.fields(TicketFilter):
        if f.name == "text":
            continue
        value: object
        if isinstance(f.default, frozenset):
            value = frozenset({1})
        elif f.name in ("unassigned", "escalated", "fulfilment_error"):
            value = True
        elif f.name == "min_escalation_level":
            value = 1
        else:
            value = BASE_TIME
        found.append((f.name, TicketFilter(**{f.name: value})))
    return found


def test_the_filter_has_a_condition_for_every_field_but_text() -> None:
    # A new filter field without its condition would silently filter nothing.
    for name, filter in _one_field_filters():
        assert len(filter.conditions()) == 1, name


def test_every_filter_and_order_column_leads_an_index() -> None:
    table = Ticket.__table__
    leading = {list(index.columns)[0].name for index in table.indexes}
    leading |= {list(c.columns)[0].name for c in table.constraints
                if isinstance(c, UniqueConstraint | PrimaryKeyConstraint)}
    columns = {name: filter.conditions()[0].left.name for name, filter in _one_field_filters()}
    columns |= {f"order {o}": TicketOrder(o).key_column.name for o in OrderField}
    assert {name: c for name, c in columns.items() if c not in leading} == {}
