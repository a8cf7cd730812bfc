"""myQueueEvents and ticketsChanged over a real WebSocket: entering, updating and leaving."""

from __future__ import annotations

import pytest

from tests.live.conftest import LiveStack
from tests.live.helpers import QUEUE_EVENTS, TICKETS_CHANGED, Desk, ticket_gid
from tests.tickets.helpers import (
    ADMIN,
    LYON_AGENT,
    RENNES_AGENT,
    ROUEN_EXPERT,
    STRASBOURG_EXPERT,
    SYNC_ERROR,
    SYNC_REQUEST,
)


@pytest.fixture
def desk(live: LiveStack) -> Desk:
    return Desk(live.sessions)


async def test_a_new_ticket_enters_the_routed_experts_queue_and_leaves_it_once_resolved(
        live: LiveStack, desk: Desk) -> None:
    expert = await live.socket(ROUEN_EXPERT)
    await expert.subscribe("q", QUEUE_EVENTS)

    ticket = await desk.open(LYON_AGENT, title="Account for a new teacher")
    entered = (await expert.next("q"))["myQueueEvents"]
    assert entered == {"ticketId": ticket_gid(ticket), "version": ticket.version, "change": "ENTERED",
                       "state": "ASSIGNED", "eventKind": "ROUTED", "ticket": {"ref": ticket.ref}}

    await desk.act(ROUEN_EXPERT, ticket.id, "START")  # still in the queue: nothing to say
    resolved = await desk.act(ROUEN_EXPERT, ticket.id, "RESOLVE", solution="Account created")
    left = (await expert.next("q"))["myQueueEvents"]
    assert (left["ticketId"], left["change"], left["state"], left["version"]) == (
        ticket_gid(ticket), "LEFT", "RESOLVED", resolved.version)
    await expert.close()


async def test_the_other_school_never_hears_of_a_ticket_it_cannot_see(live: LiveStack, desk: Desk) -> None:
    rennes = await live.socket(RENNES_AGENT)
    await rennes.subscribe("list", TICKETS_CHANGED)
    await rennes.subscribe("queue", QUEUE_EVENTS)

    lyon = await desk.open(LYON_AGENT)
    await desk.comment(LYON_AGENT, lyon.id, "Lyon only")
    await desk.act(ROUEN_EXPERT, lyon.id, "START")
    own = await desk.open(RENNES_AGENT, path=SYNC_ERROR, request=SYNC_REQUEST)

    # The first change Rennes hears of is its own ticket's.
    first = (await rennes.next("list"))["ticketsChanged"]
    assert (first["ticketId"], first["change"]) == (ticket_gid(own), "ENTERED")
    await rennes.close()


async def test_a_filtered_list_hears_a_ticket_enter_and_leave_its_filter(live: LiveStack, desk: Desk) -> None:
    ticket = await desk.open(LYON_AGENT)
    school = await live.socket(LYON_AGENT)
    await school.subscribe("pending", TICKETS_CHANGED, {"filter": {"states": ["PENDING"]}})

    await desk.act(ROUEN_EXPERT, ticket.id, "START")
    held = await desk.act(ROUEN_EXPERT, ticket.id, "HOLD", reason="Which platform?")
    entered = (await school.next("pending"))["ticketsChanged"]
    assert entered == {"ticketId": ticket_gid(ticket), "version": held.version, "change": "ENTERED",
                       "state": "PENDING", "eventKind": "PUT_ON_HOLD"}

    await desk.comment(ROUEN_EXPERT, ticket.id, "Also: which faculty?")
    updated = (await school.next("pending"))["ticketsChanged"]
    assert (updated["change"], updated["eventKind"]) == ("UPDATED", "COMMENTED")

    await desk.act(LYON_AGENT, ticket.id, "RESUME")
    left = (await school.next("pending"))["ticketsChanged"]
    assert (left["change"], left["state"]) == ("LEFT", "IN_PROGRESS")
    await school.close()


async def test_a_ticket_that_is_no_longer_visible_leaves_the_list_without_its_state(
        live: LiveStack, desk: Desk) -> None:
    ticket = await desk.open(LYON_AGENT)
    outsider = await live.socket(STRASBOURG_EXPERT)
    await outsider.subscribe("all", TICKETS_CHANGED)

    await desk.act(ADMIN, ticket.id, "ASSIGN", assignee=STRASBOURG_EXPERT)
    assert (await outsider.next("all"))["ticketsChanged"]["change"] == "ENTERED"
    await desk.act(ADMIN, ticket.id, "ASSIGN", assignee=ROUEN_EXPERT)
    left = (await outsider.next("all"))["ticketsChanged"]
    assert left == {"ticketId": ticket_gid(ticket), "version": left["version"], "change": "LEFT",
                    "state": None, "eventKind": None}
    await outsider.close()


async def test_a_text_filter_is_refused_naming_the_field(live: LiveStack) -> None:
    school = await live.socket(LYON_AGENT)
    await school.connection.send(
        '{"id": "t", "type": "subscribe", "payload": {"query": "subscription { ticketsChanged(filter: '
        '{text: \\"ldap\\"}) { ticketId } }"}}')
    refused = await school.message("t")
    errors = refused["payload"]["errors"] if refused["type"] == "next" else refused["payload"]
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert errors[0]["extensions"]["fields"][0]["field"] == "filter.text"
    await school.close()
