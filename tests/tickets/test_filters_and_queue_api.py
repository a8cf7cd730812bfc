"""tickets and myQueue over GraphQL: arguments, clear errors, pages, and what another school sees."""

from __future__ import annotations

from typing import Any

import pytest

from server.catalog.models import Priority, Service, SubService
from server.tickets.models import Visibility
from server.tickets.workflow import TicketState
from tests.tickets.helpers import (
        ADMIN,
    LYON_AGENT,
    LYON_EXPERT,
    PROJECT_FOLDER,
    RENNES_AGENT,
    RENNES_EXPERT,
    ROUEN_EXPERT,
    gid,
    sub_service_id,
    tenant_id,
    user_id,
)
from tests.tickets.listing_helpers import BASE_TIME, insert_comment, insert_ticket

LIST = """query($filter: TicketFilter, $orderBy: TicketOrder, $first: Int, $after: String,
                $last: Int, $before: String) {
  tickets(filter: $filter, orderBy: $orderBy, first: $first, after: $after, last: $last,
          before: $before) {
    totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { ref title } } } }"""
QUEUE = LIST.replace("tickets(", "myQueue(")


@pytest.fixture
async def tickets(session) -> dict[str, Any]:
    """Lyon and Rennes tickets; Lyon's mention a word Rennes' do not."""
    made = {
        "lyon-new": await insert_ticket(session, title="Lyon quota équipe",
                                        created_at=BASE_TIME),
        "lyon-urgent": await insert_ticket(session, title="Lyon urgent", path=PROJECT_FOLDER,
                                           priority=Priority.CRITICAL, escalation_level=1,
                                           created_at=BASE_TIME.replace(hour=10)),
        "lyon-assigned": await insert_ticket(session, title="Lyon assigned",
                                             state=TicketState.ASSIGNED, assignee=ROUEN_EXPERT,
                                             created_at=BASE_TIME.replace(hour=11)),
        "rennes": await insert_ticket(session, title="Rennes quota", school="insa-rennes",
                                      opened_by=RENNES_AGENT, created_at=BASE_TIME.replace(hour=12)),
    }
    await insert_comment(session, made["lyon-new"], "Secret de Lyon", author=LYON_EXPERT,
                         visibility=Visibility.INTERNAL)
    return {name: t.ref for name, t in made.items()}


def _titles(data: dict[str, Any], field: str = "tickets") -> list[str]:
    return [e["node"]["title"] for e in data[field]["edges"]]


def _input_error(body: dict[str, Any]) -> dict[str, str]:
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    return {f["field"]: f["message"] for f in error["extensions"]["fields"]}


async def test_every_filter_field_reaches_the_list(gql, session, tickets) -> None:
    folder = await sub_service_id(session, PROJECT_FOLDER)
    sub = await session.get(SubService, folder)
    service = await session.get(Service, sub.service_id)
    cases = [
        ({"states": ["ASSIGNED"]}, ["Lyon assigned"]),
        ({"schoolIds": [gid("Tenant", await tenant_id(session, "insa-rennes"))]},
         ["Rennes quota"]),
        ({"brickIds": [gid("Brick", service.brick_id)]}, ["Lyon urgent"]),
        ({"serviceIds": [gid("Service", service.id)]}, ["Lyon urgent"]),
        ({"subServiceIds": [gid("SubService", folder)]}, ["Lyon urgent"]),
        ({"assigneeIds": [gid("User", await user_id(session, ROUEN_EXPERT))]},
         ["Lyon assigned"]),
        ({"unassigned": False}, ["Lyon assigned"]),
        ({"priorities": ["CRITICAL"]}, ["Lyon urgent"]),
        ({"escalated": True}, ["Lyon urgent"]),
        ({"minEscalationLevel": 1}, ["Lyon urgent"]),
        ({"createdAfter": "2026-03-02T10:00:00Z", "createdBefore": "2026-03-02T12:00:00+00:00"},
         ["Lyon assigned", "Lyon urgent"]),
        ({"updatedBefore": "2026-03-02T12:00:00+01:00"}, ["Lyon urgent", "Lyon quota équipe"]),
        ({"updatedAfter": "2026-03-02T12:00:00Z"}, ["Rennes quota"]),
        ({"text": "EQUIPE"}, ["Lyon quota équipe"]),
        ({"text": tickets["rennes"]}, ["Rennes quota"]),
    ]
    for filter, expected in cases:
        data = await gql(LIST, {"filter": filter}, as_user=ADMIN)
        assert _titles(data) == expected, filter
        assert data["tickets"]["totalCount"] == len(expected)


async def test_orders_and_pages_both_ways(gql, tickets) -> None:
    data = await gql(LIST, {"orderBy": {"field": "PRIORITY"}, "first": 2}, as_user=ADMIN)
    assert _titles(data) == ["Lyon urgent", "Rennes quota"]
    page = data["tickets"]["pageInfo"]
    assert (page["hasNextPage"], page["hasPreviousPage"]) == (True, False)
    rest = await gql(LIST, {"orderBy": {"field": "PRIORITY"}, "first": 2,
                            "after": page["endCursor"]}, as_user=ADMIN)
    assert _titles(rest) == ["Lyon assigned", "Lyon quota équipe"]
    assert rest["tickets"]["pageInfo"]["hasPreviousPage"] is True
    back = await gql(LIST, {"orderBy": {"field": "PRIORITY"}, "last": 2,
                            "before": rest["tickets"]["pageInfo"]["startCursor"]}, as_user=ADMIN)
    assert _titles(back) == _titles(data)
    oldest = await gql(LIST, {"orderBy": {"field": "CREATED_AT", "direction": "ASC"}, "first": 1},
                       as_user=ADMIN)
    assert _titles(oldest) == ["Lyon quota équipe"]


@pytest.mark.parametrize(("variables", "field"), [
    ({"first": 101}, "first"),
    ({"first": 0}, "first"),
    ({"last": 1000}, "last"),
    ({"first": 1, "last": 1}, "last"),
    ({"after": "not-a-cursor"}, "after"),
    ({"last": 2, "before": "bm90LWEtY3Vyc29y"}, "before"),
    ({"filter": {"createdAfter": "2026-03-02T10:00:00"}}, "createdAfter"),
    ({"filter": {"text": "x" * 300}}, "text"),
])
async def test_bad_arguments_are_input_errors_naming_the_argument(gql, tickets, variables,
                                                                  field) -> None:
    body = await gql(LIST, variables, as_user=ADMIN, expect_errors=True)
    assert field in _input_error(body)
    assert body["data"] is None


async def test_a_cursor_of_another_order_is_refused(gql, tickets) -> None:
    data = await gql(LIST, {"first": 1}, as_user=ADMIN)
    cursor = data["tickets"]["pageInfo"]["endCursor"]
    body = await gql(LIST, {"first": 1, "after": cursor, "orderBy": {"field": "UPDATED_AT"}},
                     as_user=ADMIN, expect_errors=True)
    assert "ordered by UPDATED_AT" in _input_error(body)["after"]


@pytest.mark.parametrize("outsider", [RENNES_AGENT, RENNES_EXPERT])
async def test_another_schools_tickets_never_appear_in_lists_queues_or_search(
        gql, tickets, outsider) -> None:
    for text in (None, "quota", "lyon", tickets["lyon-new"], "secret"):
        filter = {"text": text} if text else None
        for query, field in ((LIST, "tickets"), (QUEUE, "myQueue")):
            data = await gql(query, {"filter": filter, "first": 100}, as_user=outsider)
            titles = _titles(data, field)
            assert not [t for t in titles if t.startswith("Lyon")], (text, field)
            assert data[field]["totalCount"] == len(titles)
    data = await gql(LIST, {"filter": {"text": "quota"}}, as_user=outsider)
    assert _titles(data) == ["Rennes quota"]


async def test_my_queue_over_graphql(gql, tickets) -> None:
    data = await gql(QUEUE, {}, as_user=ROUEN_EXPERT)
    # Rouen covers Account management: the queued Lyon ticket, and its own assignment.
    assert _titles(data, "myQueue") == ["Rennes quota", "Lyon assigned", "Lyon quota équipe"]
    assert data["myQueue"]["totalCount"] == 3
    data = await gql(QUEUE, {"filter": {"states": ["ASSIGNED"]}}, as_user=ROUEN_EXPERT)
    assert _titles(data, "myQueue") == ["Lyon assigned"]
    assert (await gql(QUEUE, {}, as_user=LYON_AGENT))["myQueue"]["totalCount"] == 0
