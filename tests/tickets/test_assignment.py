"""Routing new tickets from the database: each rule, the recorded reason, and the brick's queue."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.catalog import experts
from server.catalog import service as catalog
from server.catalog.models import Brick
from server.errors import ActionNotAllowed, ValidationFailed
from server.identity.models import User
from server.tickets import actions, comments, listing, queries
from server.tickets.assignment import QUEUED_REASON
from server.tickets.models import EventKind, Ticket, TicketEvent, Visibility
from server.tickets.service import open_ticket
from server.tickets.workflow import Action, TicketState
from tests.tickets.helpers import (
    ACCOUNT_CREATION,
    ACCOUNT_REQUEST,
    ADMIN,
    CVL_AGENT,
    CVL_EXPERT,
    HDF_EXPERT,
    LYON_AGENT,
    LYON_EXPERT,
    MODEL_UPGRADE,
    PUBLICATION_FAILURE,
    ROUEN_EXPERT,
    STRASBOURG_EXPERT,
    SYNC_ERROR,
    SYNC_REQUEST,
    principal,
    sub_service_id,
    user_id,
)

PUBLICATION = {"platform": "scenari-pedagogie", "item_path": "a", "output": "pdf",
               "error_message": "boom"}
UPGRADE = {"platform": "scenari-pedagogie", "workshop_name": "Mechanics", "target_version": "4.1"}


async def _open(session: AsyncSession, username: str, path: tuple[str, str, str],
                data: dict[str, Any]) -> Ticket:
    return await open_ticket(session, actor=await principal(session, username), title="Help",
                             sub_service_id=await sub_service_id(session, path), request_data=data)


async def _routed(session: AsyncSession, ticket: Ticket) -> dict[str, Any]:
    event = await session.scalar(select(TicketEvent).where(
        TicketEvent.ticket_id == ticket.id, TicketEvent.kind == EventKind.ROUTED))
    assert event is not None and event.actor_id is None
    return event.data


async def _assignee(session: AsyncSession, ticket: Ticket) -> str | None:
    if ticket.assignee_id is None:
        return None
    user = await session.get(User, ticket.assignee_id)
    assert user is not None
    return user.username


async def _brick_id(session: AsyncSession, code: str) -> int:
    found = await session.scalar(select(Brick.id).where(Brick.code == code))
    assert found is not None
    return found


@pytest.fixture
async def partage_pair(session: AsyncSession) -> None:
    """Partage gets a second brick-level expert, at Centre Val de Loire, next to Strasbourg's."""
    await experts.designate_expert(session, actor=await principal(session, ADMIN),
                                   user_id=await user_id(session, CVL_EXPERT),
                                   brick_id=await _brick_id(session, "partage"))


@pytest.mark.parametrize(("path", "data", "expert", "level"), [
    (ACCOUNT_CREATION, ACCOUNT_REQUEST, ROUEN_EXPERT, "service"),
    (PUBLICATION_FAILURE, PUBLICATION, ROUEN_EXPERT, "sub-service"),
    (MODEL_UPGRADE, UPGRADE, LYON_EXPERT, "brick"),
])
async def test_most_specific_designation_wins(session, path, data, expert, level) -> None:
    ticket = await _open(session, LYON_AGENT, path, data)
    assert ticket.state is TicketState.ASSIGNED
    assert await _assignee(session, ticket) == expert
    routed = await _routed(session, ticket)
    assert routed["level"] == level and routed["assignee"] == expert
    assert routed["reason"].startswith(f"designated on {level}")
    assert ticket.assigned_at is not None


async def test_least_loaded_expert_is_chosen_across_schools(session, partage_pair) -> None:
    first = await _open(session, LYON_AGENT, SYNC_ERROR, SYNC_REQUEST)
    # A full tie between Strasbourg and Centre Val de Loire: the lowest user id decides.
    assert await _assignee(session, first) == STRASBOURG_EXPERT
    assert "full tie" in (await _routed(session, first))["reason"]
    second = await _open(session, LYON_AGENT, SYNC_ERROR, SYNC_REQUEST)
    assert await _assignee(session, second) == CVL_EXPERT
    assert (await _routed(session, second))["reason"] == (
        "designated on brick; least loaded: 0 open")


async def test_on_equal_load_an_expert_of_the_opening_school_wins(session, partage_pair) -> None:
    ticket = await _open(session, CVL_AGENT, SYNC_ERROR, SYNC_REQUEST)
    assert await _assignee(session, ticket) == CVL_EXPERT
    assert (await _routed(session, ticket))["reason"] == "designated on brick; same school"


async def test_then_the_expert_assigned_least_recently(session, partage_pair) -> None:
    # Each expert gets and resolves one ticket, Strasbourg first: both are back to no open ticket.
    for expected in (STRASBOURG_EXPERT, CVL_EXPERT):
        ticket = await _open(session, LYON_AGENT, SYNC_ERROR, SYNC_REQUEST)
        assert await _assignee(session, ticket) == expected
        expert = await principal(session, expected)
        await actions.perform(session, actor=expert, ticket_id=ticket.id, action=Action.RESOLVE,
                              expected_version=ticket.version, solution="fixed")
    third = await _open(session, LYON_AGENT, SYNC_ERROR, SYNC_REQUEST)
    assert await _assignee(session, third) == STRASBOURG_EXPERT
    assert (await _routed(session, third))["reason"] == (
        "designated on brick; least recently assigned")


async def test_deactivated_expert_is_never_chosen(session, partage_pair) -> None:
    strasbourg = await session.get(User, await user_id(session, STRASBOURG_EXPERT))
    assert strasbourg is not None
    strasbourg.active = False
    ticket = await _open(session, LYON_AGENT, SYNC_ERROR, SYNC_REQUEST)
    assert await _assignee(session, ticket) == CVL_EXPERT
    assert (await _routed(session, ticket))["reason"] == "designated on brick; only expert"


async def _expertless_sub_service(session: AsyncSession) -> int:
    admin = await principal(session, ADMIN)
    brick = await catalog.create_brick(session, actor=admin, code="peertube", name="PeerTube")
    svc = await catalog.create_service(session, actor=admin, brick_id=brick.id, name="Channels")
    sub = await catalog.create_sub_service(session, actor=admin, service_id=svc.id,
                                           name="Channel creation")
    return sub.id


async def test_without_a_designated_expert_the_ticket_waits_in_the_brick_queue(session) -> None:
    sub_id = await _expertless_sub_service(session)
    agent = await principal(session, LYON_AGENT)
    ticket = await open_ticket(session, actor=agent, sub_service_id=sub_id, title="A channel")
    assert ticket.state is TicketState.NEW and ticket.assignee_id is None
    routed = await _routed(session, ticket)
    assert routed == {"assignee_id": None, "reason": QUEUED_REASON, "state": "NEW"}

    # Group admins see the queue; an expert of another brick does not.
    admin = await principal(session, ADMIN)
    assert (await queries.get_ticket(session, viewer=admin, ticket_id=ticket.id)).id == ticket.id
    outsider = await principal(session, ROUEN_EXPERT)
    page = await listing.list_tickets(session, viewer=outsider)
    assert ticket.id not in {t.id for t in page.tickets}

    # Once an expert is designated on the brick, they see the ticket and take it.
    await experts.designate_expert(session, actor=admin, user_id=await user_id(session, HDF_EXPERT),
                                   brick_id=ticket.brick_id)
    expert = await principal(session, HDF_EXPERT)
    queue = await listing.list_tickets(
        session, viewer=expert,
        filter=listing.TicketFilter(states=frozenset({TicketState.NEW}),
                                    brick_ids=frozenset({ticket.brick_id})))
    assert [t.id for t in queue.tickets] == [ticket.id]
    taken = await actions.perform(session, actor=expert, ticket_id=ticket.id, action=Action.TAKE,
                                  expected_version=1)
    assert taken.state is TicketState.ASSIGNED and taken.assignee_id == expert.user_id
    assert taken.version == 2


async def test_an_expert_of_another_brick_cannot_take_from_a_queue(session) -> None:
    sub_id = await _expertless_sub_service(session)
    ticket = await open_ticket(session, actor=await principal(session, LYON_AGENT),
                               sub_service_id=sub_id, title="A channel")
    # Lyon's Scenari expert sees the ticket as a Lyon user, but is not designated on PeerTube.
    with pytest.raises(ActionNotAllowed) as refused:
        await actions.perform(session, actor=await principal(session, LYON_EXPERT),
                              ticket_id=ticket.id, action=Action.TAKE, expected_version=1)
    assert refused.value.allowed == []


async def test_group_admin_reassigns_and_the_history_names_both_experts(session) -> None:
    ticket = await _open(session, LYON_AGENT, ACCOUNT_CREATION, ACCOUNT_REQUEST)
    admin = await principal(session, ADMIN)
    lyon_expert = await user_id(session, LYON_EXPERT)
    moved = await actions.perform(session, actor=admin, ticket_id=ticket.id, action=Action.ASSIGN,
                                  expected_version=1, assignee_id=lyon_expert)
    assert moved.assignee_id == lyon_expert and moved.state is TicketState.ASSIGNED
    event = await session.scalar(select(TicketEvent).where(
        TicketEvent.ticket_id == ticket.id, TicketEvent.kind == EventKind.ASSIGNED))
    assert event is not None and event.actor_id == admin.user_id
    assert event.data["previous_assignee_id"] == await user_id(session, ROUEN_EXPERT)
    assert event.data["assignee_id"] == lyon_expert


async def test_assigning_to_a_non_expert_or_the_same_expert_is_refused(session) -> None:
    ticket = await _open(session, LYON_AGENT, ACCOUNT_CREATION, ACCOUNT_REQUEST)
    admin = await principal(session, ADMIN)
    for username in (LYON_AGENT, ROUEN_EXPERT):
        with pytest.raises(ValidationFailed) as refused:
            await actions.perform(session, actor=admin, ticket_id=ticket.id, action=Action.ASSIGN,
                                  expected_version=1, assignee_id=await user_id(session, username))
        assert [e.field for e in refused.value.errors] == ["assigneeId"]


async def test_an_expert_cannot_reassign_their_ticket(session) -> None:
    ticket = await _open(session, LYON_AGENT, ACCOUNT_CREATION, ACCOUNT_REQUEST)
    with pytest.raises(ActionNotAllowed) as refused:
        await actions.perform(session, actor=await principal(session, ROUEN_EXPERT),
                              ticket_id=ticket.id, action=Action.ASSIGN, expected_version=1,
                              assignee_id=await user_id(session, LYON_EXPERT))
    assert refused.value.allowed == ["RESOLVE", "START"]


async def test_an_expert_assigned_outside_their_bricks_reads_the_ticket_as_staff(session) -> None:
    ticket = await _open(session, LYON_AGENT, ACCOUNT_CREATION, ACCOUNT_REQUEST)
    moodle_expert = await principal(session, "fanny.lestrehan")
    assert ticket.id not in (await queries.tickets_by_ids(session, viewer=moodle_expert,
                                                          ticket_ids=[ticket.id]))
    await actions.perform(session, actor=await principal(session, ADMIN), ticket_id=ticket.id,
                          action=Action.ASSIGN, expected_version=1,
                          assignee_id=moodle_expert.user_id)
    await comments.add_comment(session, actor=await principal(session, ROUEN_EXPERT),
                               ticket_id=ticket.id, body="handing over",
                               visibility=Visibility.INTERNAL)
    assert (await queries.get_ticket(session, viewer=moodle_expert, ticket_id=ticket.id)).id
    notes = await queries.comments_of(session, viewer=moodle_expert, ticket_ids=[ticket.id])
    assert [c.body for c in notes[ticket.id]] == ["handing over"]
    school = await queries.comments_of(session, viewer=await principal(session, LYON_AGENT),
                                       ticket_ids=[ticket.id])
    assert school == {}
