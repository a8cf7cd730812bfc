"""notificationReceived on each user's channel, and what a subscriber that falls behind gets.

Notifications are published here as the notifications side does: `publish_notification` in the
transaction that writes them. A buffer of two messages makes falling behind deterministic: one
commit posting three notifications for one user reaches that user's buffer in one delivery.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from server.live.publish import publish_notification
from server.tickets.models import Ticket
from tests.live.conftest import LiveStack, start_stack
from tests.live.helpers import NOTIFICATIONS, TICKETS_CHANGED, Desk, ticket_gid
from tests.tickets.helpers import (
    ADMIN,
    LYON_AGENT,
    RENNES_AGENT,
    ROUEN_EXPERT,
    STRASBOURG_EXPERT,
    gid,
)

BUFFER = 2


@pytest.fixture(scope="module")
async def small(backend: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[LiveStack]:
    async for stack in start_stack(backend, tmp_path_factory.mktemp(f"buffers-{backend}"), live_buffer=BUFFER):
        yield stack


async def _post(stack: LiveStack, posts: list[tuple[str, int, Ticket | None]]) -> None:
    desk = Desk(stack.sessions)
    ids = {name: await desk.user_id(name) for name, _, _ in posts}
    async with stack.writer() as session:
        for name, number, ticket in posts:
            publish_notification(session, user_id=ids[name], notification_id=number, kind="ticket.assigned",
                                 ticket=await session.get(Ticket, ticket.id) if ticket else None)


async def test_a_notification_reaches_its_user_only(live: LiveStack) -> None:
    desk = Desk(live.sessions)
    ticket = await desk.open(LYON_AGENT)
    agent = await live.socket(LYON_AGENT)
    await agent.subscribe("n", NOTIFICATIONS)

    await _post(live, [(RENNES_AGENT, 901, None)])
    await _post(live, [(LYON_AGENT, 902, ticket)])
    got = (await agent.next("n"))["notificationReceived"]
    assert got == {"notificationId": gid("Notification", 902), "kind": "ticket.assigned",
                   "ticketId": ticket_gid(ticket)}
    await agent.close()


async def test_a_notification_about_a_ticket_the_user_no_longer_sees_is_not_sent(live: LiveStack) -> None:
    desk = Desk(live.sessions)
    ticket = await desk.open(LYON_AGENT)
    await desk.act(ADMIN, ticket.id, "ASSIGN", assignee=STRASBOURG_EXPERT)
    await desk.act(ADMIN, ticket.id, "ASSIGN", assignee=ROUEN_EXPERT)
    outsider = await live.socket(STRASBOURG_EXPERT)
    await outsider.subscribe("n", NOTIFICATIONS)

    await _post(live, [(STRASBOURG_EXPERT, 903, ticket)])
    await _post(live, [(STRASBOURG_EXPERT, 904, None)])
    assert (await outsider.next("n"))["notificationReceived"]["notificationId"] == gid("Notification", 904)
    await outsider.close()


async def test_a_rolled_back_notification_is_never_sent(live: LiveStack) -> None:
    agent = await live.socket(LYON_AGENT)
    await agent.subscribe("n", NOTIFICATIONS)
    lyon = await Desk(live.sessions).user_id(LYON_AGENT)
    async with live.sessions() as session:
        publish_notification(session, user_id=lyon, notification_id=905, kind="ticket.assigned")
        await session.rollback()

    await _post(live, [(LYON_AGENT, 906, None)])
    assert (await agent.next("n"))["notificationReceived"]["notificationId"] == gid("Notification", 906)
    await agent.close()


async def test_a_subscriber_that_falls_behind_is_told_to_resync_and_the_others_go_on(small: LiveStack) -> None:
    desk = Desk(small.sessions)
    agent = await small.socket(LYON_AGENT)
    await agent.subscribe("n", NOTIFICATIONS)
    await agent.subscribe("list", TICKETS_CHANGED)
    other = await small.socket(RENNES_AGENT)
    await other.subscribe("n", NOTIFICATIONS)

    # One commit: three messages for the agent's buffer of two, one for the other user.
    await _post(small, [(LYON_AGENT, 1, None), (LYON_AGENT, 2, None), (LYON_AGENT, 3, None),
                        (RENNES_AGENT, 4, None)])

    behind = await agent.message("n")
    assert behind["type"] == "next", behind
    assert behind["payload"]["errors"][0]["extensions"]["code"] == "RESYNC_NEEDED"
    assert (await agent.message("n"))["type"] == "complete"
    assert (await other.next("n"))["notificationReceived"]["notificationId"] == gid("Notification", 4)
    # The socket and its other subscription are still there.
    ticket = await desk.open(LYON_AGENT)
    assert (await agent.next("list"))["ticketsChanged"]["ticketId"] == ticket_gid(ticket)
    await agent.close()
    await other.close()
