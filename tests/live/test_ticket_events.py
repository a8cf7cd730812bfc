"""ticketEvents over a real WebSocket: what each caller may read of one ticket, event by event."""

from __future__ import annotations

import pytest

from tests.live.conftest import LiveStack
from tests.live.helpers import TICKET_EVENTS, TICKETS_CHANGED, Desk, heard, ticket_gid
from tests.tickets.helpers import ADMIN, LYON_AGENT, RENNES_AGENT, ROUEN_EXPERT, STRASBOURG_EXPERT


@pytest.fixture
def desk(live: LiveStack) -> Desk:
    return Desk(live.sessions)


async def test_the_school_sees_the_experts_question_and_public_comments_but_never_internal_ones(
        live: LiveStack, desk: Desk) -> None:
    school = await live.socket(LYON_AGENT)
    await school.subscribe("all", TICKETS_CHANGED)
    ticket = await desk.open(LYON_AGENT)
    await heard(school, ticket)  # the opening is routed before the ticket's subscriptions start
    expert = await live.socket(ROUEN_EXPERT)
    await school.subscribe("s", TICKET_EVENTS, {"id": ticket_gid(ticket)})
    await expert.subscribe("e", TICKET_EVENTS, {"id": ticket_gid(ticket)})

    await desk.comment(ROUEN_EXPERT, ticket.id, "between experts: the LDAP is down", internal=True)
    await desk.act(ROUEN_EXPERT, ticket.id, "START")
    await desk.act(ROUEN_EXPERT, ticket.id, "HOLD", reason="Which platform exactly?")

    internal = (await expert.next("e"))["ticketEvents"]
    assert (internal["kind"], internal["visibility"]) == ("COMMENTED", "INTERNAL")
    assert internal["data"]["body"] == "between experts: the LDAP is down"
    # The school's next events are the public ones: the internal comment never came.
    started = (await school.next("s"))["ticketEvents"]
    assert (started["kind"], started["actor"]) == ("STATE_CHANGED", {"username": ROUEN_EXPERT})
    question = (await school.next("s"))["ticketEvents"]
    assert question["kind"] == "PUT_ON_HOLD" and question["data"]["reason"] == "Which platform exactly?"
    await school.close()
    await expert.close()


async def test_another_schools_ticket_cannot_be_subscribed_to(live: LiveStack, desk: Desk) -> None:
    ticket = await desk.open(LYON_AGENT)
    other = await live.socket(RENNES_AGENT)
    await other.subscribe("x", TICKET_EVENTS, {"id": ticket_gid(ticket)})

    refused = await other.message("x")
    assert refused["type"] in ("next", "error"), refused
    errors = refused["payload"]["errors"] if refused["type"] == "next" else refused["payload"]
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert errors[0]["message"] == "ticketId: no such ticket, or not visible to you"
    await other.close()


async def test_a_ticket_that_stops_being_visible_stops_being_sent_until_it_is_visible_again(
        live: LiveStack, desk: Desk) -> None:
    watcher = await live.socket(ADMIN)
    await watcher.subscribe("all", TICKETS_CHANGED)
    ticket = await desk.open(LYON_AGENT)
    # A Partage expert sees this Scenari ticket only while it is assigned to them.
    assigned = await desk.act(ADMIN, ticket.id, "ASSIGN", assignee=STRASBOURG_EXPERT)
    await heard(watcher, assigned)  # routed before the expert's subscription starts
    outsider = await live.socket(STRASBOURG_EXPERT)
    await outsider.subscribe("o", TICKET_EVENTS, {"id": ticket_gid(ticket)})

    await desk.comment(LYON_AGENT, ticket.id, "still yours")
    assert (await outsider.next("o"))["ticketEvents"]["data"]["body"] == "still yours"

    await desk.act(ADMIN, ticket.id, "ASSIGN", assignee=ROUEN_EXPERT)
    await desk.comment(LYON_AGENT, ticket.id, "not for the Partage expert")
    await desk.act(ADMIN, ticket.id, "ASSIGN", assignee=STRASBOURG_EXPERT)

    # Neither the reassignment away nor the comment made meanwhile reached them: the next event is
    # the one that gave the ticket back.
    back = (await outsider.next("o"))["ticketEvents"]
    assert back["kind"] == "ASSIGNED"
    assert back["data"]["assignee_id"] == await desk.user_id(STRASBOURG_EXPERT)
    await outsider.close()
