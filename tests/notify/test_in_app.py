"""The bell: each caller's own notifications, unread count, marking read; nobody else's."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from server.notify import listeners
from server.notify.listeners import NotificationCreated
from tests.notify.helpers import ROOM_CONFLICT, ROOM_REQUEST, act, open_account_ticket
from tests.tickets.helpers import (
    ADMIN,
    LYON_AGENT,
    LYON_MANAGER,
    RENNES_AGENT,
    ROUEN_EXPERT,
    principal,
    sub_service_id,
    user_id,
)

BELL = """query($unread: Boolean, $first: Int, $after: String) {
  notifications(unreadOnly: $unread, first: $first, after: $after) {
    unreadCount totalCount pageInfo { hasNextPage endCursor }
    edges { node { id kind ref title actor message read ticket { ref } } } } }"""
MARK = """mutation($input: MarkNotificationsReadInput!) { markNotificationsRead(input: $input) {
  __typename ... on NotificationsMarked { marked unreadCount } ... on Problem { message }
  ... on ValidationFailed { fields { field } } } }"""


async def test_the_bell_lists_the_callers_notifications_newest_first_with_the_unread_count(
        session: AsyncSession, gql: Any) -> None:
    ticket = await open_account_ticket(session, LYON_AGENT)
    await act(session, ROUEN_EXPERT, ticket, "START")
    await act(session, ROUEN_EXPERT, ticket, "HOLD", reason="Quelle plateforme ?")
    await session.commit()

    bell = (await gql(BELL, {}, as_user=LYON_AGENT))["notifications"]
    assert bell["unreadCount"] == 2 and bell["totalCount"] == 2
    nodes = [e["node"] for e in bell["edges"]]
    assert [n["kind"] for n in nodes] == ["QUESTION", "ASSIGNED"]
    assert nodes[0]["actor"] == "Ismaël Grandcourtois" and nodes[0]["message"] == "Quelle plateforme ?"
    assert nodes[0]["ticket"]["ref"] == nodes[0]["ref"] == ticket.ref and not nodes[0]["read"]
    # Pages of one, newest first, by keyset cursors.
    page = (await gql(BELL, {"first": 1}, as_user=LYON_AGENT))["notifications"]
    assert page["pageInfo"]["hasNextPage"]
    rest = (await gql(BELL, {"first": 1, "after": page["pageInfo"]["endCursor"]},
                      as_user=LYON_AGENT))["notifications"]
    assert [e["node"]["kind"] for e in rest["edges"]] == ["ASSIGNED"]


async def test_marking_read_by_id_and_all_updates_the_unread_count(session: AsyncSession, gql: Any) -> None:
    ticket = await open_account_ticket(session, LYON_AGENT)
    await act(session, ROUEN_EXPERT, ticket, "START")
    await act(session, ROUEN_EXPERT, ticket, "HOLD", reason="Quelle plateforme ?")
    await session.commit()
    ids = [e["node"]["id"] for e in (await gql(BELL, {}, as_user=LYON_AGENT))["notifications"]["edges"]]

    marked = (await gql(MARK, {"input": {"ids": ids[:1]}}, as_user=LYON_AGENT))["markNotificationsRead"]
    assert marked == {"__typename": "NotificationsMarked", "marked": 1, "unreadCount": 1}
    unread = (await gql(BELL, {"unread": True}, as_user=LYON_AGENT))["notifications"]
    assert [e["node"]["id"] for e in unread["edges"]] == ids[1:]
    marked = (await gql(MARK, {"input": {"all": True}}, as_user=LYON_AGENT))["markNotificationsRead"]
    assert marked == {"__typename": "NotificationsMarked", "marked": 1, "unreadCount": 0}
    both = (await gql(MARK, {"input": {"ids": ids, "all": True}}, as_user=LYON_AGENT))
    assert both["markNotificationsRead"]["__typename"] == "ValidationFailed"


async def test_another_user_or_school_can_neither_read_nor_mark_my_notifications(
        session: AsyncSession, gql: Any) -> None:
    await open_account_ticket(session, LYON_AGENT)
    await session.commit()
    mine = (await gql(BELL, {}, as_user=LYON_AGENT))["notifications"]["edges"][0]["node"]["id"]
    for other in (RENNES_AGENT, LYON_MANAGER, ADMIN):
        bell = (await gql(BELL, {}, as_user=other))["notifications"]
        assert mine not in {e["node"]["id"] for e in bell["edges"]}
        node = await gql("query($id: ID!) { node(id: $id) { id } }", {"id": mine}, as_user=other)
        assert node["node"] is None
        refused = (await gql(MARK, {"input": {"ids": [mine]}}, as_user=other))["markNotificationsRead"]
        assert refused == {"__typename": "NotFound", "message": "ids: no such notification, or not visible to you"}
    # Marking all of theirs leaves mine unread.
    await gql(MARK, {"input": {"all": True}}, as_user=LYON_MANAGER)
    assert (await gql(BELL, {}, as_user=LYON_AGENT))["notifications"]["unreadCount"] == 1
    node = await gql("query($id: ID!) { node(id: $id) { ... on Notification { kind } } }", {"id": mine},
                     as_user=LYON_AGENT)
    assert node["node"] == {"kind": "ASSIGNED"}


async def test_a_ticket_nobody_can_take_tells_the_group_admins(session: AsyncSession, gql: Any) -> None:
    from server.tickets import service as tickets

    await tickets.open_ticket(session, actor=await principal(session, LYON_AGENT),
                              sub_service_id=await sub_service_id(session, ROOM_CONFLICT),
                              title="Salle en double", request_data=ROOM_REQUEST)
    await session.commit()
    for admin in (ADMIN, "wilfried.thorenc"):
        kinds = [e["node"]["kind"] for e in (await gql(BELL, {}, as_user=admin))["notifications"]["edges"]]
        assert kinds == ["QUEUED"]
    assert (await gql(BELL, {}, as_user=LYON_AGENT))["notifications"]["edges"] == []


async def test_listeners_hear_each_new_notification_in_the_changes_transaction(session: AsyncSession) -> None:
    heard: list[tuple[bool, list[NotificationCreated]]] = []

    async def listener(s: AsyncSession, created: Sequence[NotificationCreated]) -> None:
        heard.append((s.in_transaction(), list(created)))

    listeners.register(listener)
    try:
        ticket = await open_account_ticket(session, LYON_AGENT)
    finally:
        listeners.unregister(listener)
    assert len(heard) == 1 and heard[0][0]
    told = {n.user_id for n in heard[0][1]}
    assert await user_id(session, ROUEN_EXPERT) in told and await user_id(session, LYON_AGENT) in told
    assert {n.ticket_id for n in heard[0][1]} == {ticket.id} and {n.kind for n in heard[0][1]} == {"ASSIGNED"}


async def test_an_id_that_names_no_notification_of_mine_changes_nothing(session: AsyncSession, gql: Any) -> None:
    ticket = await open_account_ticket(session, LYON_AGENT)
    await session.commit()
    mine = (await gql(BELL, {}, as_user=LYON_AGENT))["notifications"]["edges"][0]["node"]["id"]
    from tests.tickets.helpers import gid

    for junk in (gid("Ticket", ticket.id), gid("Notification", 2**40)):
        refused = (await gql(MARK, {"input": {"ids": [mine, junk]}}, as_user=LYON_AGENT))
        assert refused["markNotificationsRead"] == {
            "__typename": "NotFound", "message": "ids: no such notification, or not visible to you"}, junk
    garbled = await gql(MARK, {"input": {"ids": [mine, "not-an-id"]}}, as_user=LYON_AGENT, expect_errors=True)
    assert garbled["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert garbled["errors"][0]["extensions"]["fields"][0]["field"] == "input.ids[1]"
    assert (await gql(BELL, {}, as_user=LYON_AGENT))["notifications"]["unreadCount"] == 1
