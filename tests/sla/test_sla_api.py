"""Service levels over GraphQL, read with a test clock: a ticket's `sla`, a sub-service's estimated
delay and targets, SLA filters and orders, and the targets' administration."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from groupdesk.app import create_app
from server.sla.calendars import calendar_of
from server.sla.calendar import add_business_seconds
from server.sla.escalation import sweep
from server.sla.models import ServiceLevelTarget
from server.tickets.service import open_ticket
from tests.sla.test_escalation import BOOKING_CONFLICT, untaken
from tests.support.clock import SteppedClock
from tests.tickets.helpers import (
    ACCOUNT_CREATION,
    ACCOUNT_REQUEST,
    ADMIN,
    LYON_AGENT,
    RENNES_AGENT,
    gid,
    principal,
    sub_service_id,
)

SLA = """query($id: ID!) { ticket(id: $id) {
  sla { takeDueAt resolveDueAt elapsedBusinessSeconds state running } } }"""
DELAY = """query($id: ID!) { subService(id: $id) {
  estimatedDelay { takeBusinessSeconds resolveBusinessSeconds takenBy basis sampleSize }
  serviceLevelTargets { priority takeMinutes resolveMinutes } } }"""
LIST = """query($filter: TicketFilter, $order: TicketOrder, $first: Int, $after: String) {
  tickets(filter: $filter, orderBy: $order, first: $first, after: $after) {
    pageInfo { hasNextPage endCursor } edges { node { ref sla { state takeDueAt } } } } }"""
SET = """mutation($input: SetServiceLevelTargetInput!) { setServiceLevelTarget(input: $input) {
  __typename ... on ServiceLevelTarget { priority takeMinutes resolveMinutes }
  ... on ValidationFailed { fields { field message } } ... on Problem { message } } }"""


@pytest.fixture
def clock() -> SteppedClock:
    return SteppedClock()


@pytest.fixture
def app(settings: Any, engine: Any, sessions: Any, clock: SteppedClock) -> Any:
    return create_app(settings, engine=engine, sessions=sessions, clock=clock)


def iso(value: Any) -> str:
    return value.isoformat()


async def test_a_tickets_sla_moves_with_the_clock_from_ok_to_warning_to_breached(session, gql, clock) -> None:
    ticket = await untaken(session)
    warning_at, due_at = ticket.sla_check_at, ticket.take_due_at
    assert warning_at is not None and due_at is not None
    ticket_id = gid("Ticket", ticket.id)
    clock.now = ticket.created_at
    sla = (await gql(SLA, {"id": ticket_id}, as_user=LYON_AGENT))["ticket"]["sla"]
    assert sla == {"takeDueAt": iso(due_at), "resolveDueAt": iso(ticket.resolve_due_at),
                   "elapsedBusinessSeconds": 0, "state": "OK", "running": True}
    # No sweep has run: the field reads the clock itself.
    clock.now = warning_at
    sla = (await gql(SLA, {"id": ticket_id}, as_user=LYON_AGENT))["ticket"]["sla"]
    assert (sla["state"], sla["elapsedBusinessSeconds"]) == ("WARNING", 3 * 3600)
    clock.now = due_at
    sla = (await gql(SLA, {"id": ticket_id}, as_user=ADMIN))["ticket"]["sla"]
    assert (sla["state"], sla["elapsedBusinessSeconds"]) == ("BREACHED", 4 * 3600)
    # The other school does not see the ticket, hence nothing of its clock.
    assert (await gql(SLA, {"id": ticket_id}, as_user=RENNES_AGENT))["ticket"] is None


async def test_the_estimated_delay_is_the_take_target_until_there_is_history(session, gql, clock) -> None:
    booking = await sub_service_id(session, BOOKING_CONFLICT)
    data = (await gql(DELAY, {"id": gid("SubService", booking)}, as_user=LYON_AGENT))["subService"]
    calendar = await calendar_of(session, (await principal(session, LYON_AGENT)).tenant_id)
    assert data["estimatedDelay"] == {
        "takeBusinessSeconds": 4 * 3600, "resolveBusinessSeconds": 81000, "basis": "TARGET",
        "sampleSize": 0, "takenBy": iso(add_business_seconds(calendar, clock(), 4 * 3600))}
    assert {"priority": "NORMAL", "takeMinutes": 240, "resolveMinutes": 1350} in data["serviceLevelTargets"]


async def test_the_estimated_delay_is_the_median_of_recent_take_times_once_there_are_enough(
        session, gql) -> None:
    agent = await principal(session, LYON_AGENT)
    accounts = await sub_service_id(session, ACCOUNT_CREATION)
    for n in range(5):
        # Routed to an expert at once: each is taken after no business time.
        await open_ticket(session, actor=agent, title=f"Account {n}", sub_service_id=accounts,
                          request_data=ACCOUNT_REQUEST)
    data = (await gql(DELAY, {"id": gid("SubService", accounts)}, as_user=LYON_AGENT))["subService"]
    delay = data["estimatedDelay"]
    assert (delay["basis"], delay["sampleSize"], delay["takeBusinessSeconds"]) == ("RECENT_MEDIAN", 5, 0)


async def test_lists_filter_on_sla_state_and_due_time_and_order_by_due_time_in_keyset_pages(
        session, gql, clock) -> None:
    # Take targets of 1h, 2h and 4h business time: due in that order whatever the time of day.
    first, second, third = [await untaken(session, p) for p in ("CRITICAL", "HIGH", "NORMAL")]
    assert first.take_due_at is not None and third.take_due_at is not None
    await sweep(session, now=first.take_due_at)
    lyon = {"schoolIds": [gid("Tenant", first.tenant_id)]}

    async def refs(filter: dict[str, Any]) -> set[str]:
        found = await gql(LIST, {"filter": {**lyon, **filter}, "first": 100}, as_user=ADMIN)
        return {e["node"]["ref"] for e in found["tickets"]["edges"]} & {first.ref, second.ref, third.ref}

    assert await refs({"slaStates": ["BREACHED"]}) == {first.ref}
    assert await refs({"slaStates": ["OK", "WARNING"]}) == {second.ref, third.ref}
    assert await refs({"dueBefore": iso(third.take_due_at)}) == {first.ref, second.ref}
    ordered: list[str] = []
    after = None
    while True:
        page = (await gql(LIST, {"filter": {**lyon, "states": ["NEW"]}, "first": 2, "after": after,
                                 "order": {"field": "SLA_DUE_AT", "direction": "ASC"}},
                          as_user=ADMIN))["tickets"]
        ordered += [e["node"]["ref"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    mine = [ref for ref in ordered if ref in {first.ref, second.ref, third.ref}]
    assert mine == [first.ref, second.ref, third.ref]


async def test_a_group_admin_sets_targets_and_new_tickets_get_them(session, gql) -> None:
    booking = await sub_service_id(session, BOOKING_CONFLICT)
    result = (await gql(SET, {"input": {"subServiceId": gid("SubService", booking),
                                        "priority": "NORMAL", "takeMinutes": 30,
                                        "resolveMinutes": 120}}, as_user=ADMIN))
    assert result["setServiceLevelTarget"] == {"__typename": "ServiceLevelTarget",
                                               "priority": "NORMAL", "takeMinutes": 30,
                                               "resolveMinutes": 120}
    ticket = await untaken(session)
    assert (ticket.take_target_seconds, ticket.resolve_target_seconds) == (1800, 7200)


@pytest.mark.parametrize(("change", "field"), [
    ({"takeMinutes": 0}, "takeMinutes"),
    ({"resolveMinutes": -5}, "resolveMinutes"),
    ({"takeMinutes": 600, "resolveMinutes": 60}, "resolveMinutes"),
    ({"takeMinutes": 10**7}, "takeMinutes"),
])
async def test_bad_targets_are_refused_naming_the_field_and_change_nothing(
        session, gql, change: dict[str, int], field: str) -> None:
    booking = await sub_service_id(session, BOOKING_CONFLICT)
    before = [(t.priority, t.take_seconds, t.resolve_seconds) for t in await session.scalars(
        select(ServiceLevelTarget).where(ServiceLevelTarget.sub_service_id == booking))]
    result = (await gql(SET, {"input": {"subServiceId": gid("SubService", booking),
                                        "priority": "NORMAL", **change}},
                        as_user=ADMIN))["setServiceLevelTarget"]
    assert result["__typename"] == "ValidationFailed"
    assert [f["field"] for f in result["fields"]] == [field]
    session.expire_all()
    after = [(t.priority, t.take_seconds, t.resolve_seconds) for t in await session.scalars(
        select(ServiceLevelTarget).where(ServiceLevelTarget.sub_service_id == booking))]
    assert after == before


async def test_an_unknown_sub_service_is_not_found_naming_the_argument(gql) -> None:
    result = (await gql(SET, {"input": {"subServiceId": gid("SubService", 987654), "priority": "LOW",
                                        "takeMinutes": 60}}, as_user=ADMIN))["setServiceLevelTarget"]
    assert result["__typename"] == "NotFound" and "subServiceId" in result["message"]
