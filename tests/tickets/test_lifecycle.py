"""The lifecycle through the services: allowed actions, versions, priority, escalation."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.catalog.models import Priority
from server.errors import ActionNotAllowed, Conflict, PermissionDenied, ValidationFailed
from server.tickets import actions, changes, comments
from server.tickets.models import EventKind, Ticket, TicketEvent, Visibility
from server.tickets.service import open_ticket
from server.tickets.workflow import Action, TicketState
from tests.tickets.helpers import (
    ACCOUNT_CREATION,
    ACCOUNT_REQUEST,
    ADMIN,
    LYON_AGENT,
    LYON_EXPERT,
    LYON_MANAGER,
    OPERATIONS,
    ROUEN_EXPERT,
    SYNC_ERROR,
    SYNC_REQUEST,
    principal,
    sub_service_id,
)


async def _ticket(session: AsyncSession, username: str = LYON_AGENT) -> Ticket:
    return await open_ticket(session, actor=await principal(session, username), title="Help",
                             sub_service_id=await sub_service_id(session, ACCOUNT_CREATION),
                             request_data=ACCOUNT_REQUEST)


async def _do(session: AsyncSession, username: str, ticket: Ticket, action: Action,
              **kwargs: object) -> Ticket:
    return await actions.perform(session, actor=await principal(session, username),
                                 ticket_id=ticket.id, action=action,
                                 expected_version=ticket.version, **kwargs)


async def _kinds(session: AsyncSession, ticket: Ticket) -> list[EventKind]:
    return list(await session.scalars(select(TicketEvent.kind).where(
        TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id)))


async def test_refused_action_lists_what_the_caller_may_do_now(session) -> None:
    ticket = await _ticket(session)
    with pytest.raises(ActionNotAllowed) as school:
        await _do(session, LYON_AGENT, ticket, Action.START)
    assert (school.value.state, school.value.allowed) == ("ASSIGNED", [])
    await _do(session, ROUEN_EXPERT, ticket, Action.START)
    with pytest.raises(ActionNotAllowed) as expert:
        await _do(session, ROUEN_EXPERT, ticket, Action.CLOSE)
    assert expert.value.allowed == ["HOLD", "RESOLVE"]
    assert "allowed now: HOLD, RESOLVE" in expert.value.message


async def test_each_change_adds_one_to_the_version_and_a_stale_one_changes_nothing(session) -> None:
    ticket = await _ticket(session)
    assert ticket.version == 1
    await _do(session, ROUEN_EXPERT, ticket, Action.START)
    assert ticket.version == 2
    with pytest.raises(Conflict) as stale:
        await actions.perform(session, actor=await principal(session, ROUEN_EXPERT),
                              ticket_id=ticket.id, action=Action.HOLD, expected_version=1,
                              reason="?")
    assert stale.value.current_version == 2
    assert ticket.state is TicketState.IN_PROGRESS
    assert await _kinds(session, ticket) == [EventKind.OPENED, EventKind.ROUTED,
                                             EventKind.STATE_CHANGED]


async def test_hold_and_resolve_need_their_text(session) -> None:
    ticket = await _ticket(session)
    await _do(session, ROUEN_EXPERT, ticket, Action.START)
    for action, field in ((Action.HOLD, "reason"), (Action.RESOLVE, "solution")):
        with pytest.raises(ValidationFailed) as refused:
            await _do(session, ROUEN_EXPERT, ticket, action, reason="  ", solution=" ")
        assert [e.field for e in refused.value.errors] == [field]
    with pytest.raises(ValidationFailed) as too_long:
        await _do(session, ROUEN_EXPERT, ticket, Action.HOLD, reason="?" * 20_001)
    assert [e.field for e in too_long.value.errors] == ["reason"]


async def test_reopened_ticket_goes_back_to_its_expert_then_the_school_closes_it(session) -> None:
    ticket = await _ticket(session)
    await _do(session, ROUEN_EXPERT, ticket, Action.RESOLVE, solution="Created.")
    assert ticket.resolved_at is not None and ticket.solution == "Created."
    await _do(session, LYON_AGENT, ticket, Action.REOPEN, reason="The account cannot log in")
    assert ticket.state is TicketState.IN_PROGRESS and ticket.resolved_at is None
    assert ticket.assignee_id == (await principal(session, ROUEN_EXPERT)).user_id
    await _do(session, ROUEN_EXPERT, ticket, Action.RESOLVE, solution="Password reset.")
    await _do(session, LYON_MANAGER, ticket, Action.CLOSE)
    assert ticket.state is TicketState.CLOSED and ticket.closed_at is not None
    assert await _kinds(session, ticket) == [
        EventKind.OPENED, EventKind.ROUTED, EventKind.RESOLVED, EventKind.REOPENED,
        EventKind.RESOLVED, EventKind.CLOSED]
    reopened = await session.scalar(select(TicketEvent).where(
        TicketEvent.ticket_id == ticket.id, TicketEvent.kind == EventKind.REOPENED))
    assert reopened is not None
    assert reopened.data == {"from": "RESOLVED", "to": "IN_PROGRESS",
                             "reason": "The account cannot log in"}
    with pytest.raises(ActionNotAllowed) as closed:
        await comments.add_comment(session, actor=await principal(session, LYON_AGENT),
                                   ticket_id=ticket.id, body="one more thing")
    assert closed.value.action == "COMMENT"


async def test_expert_resolution_is_not_closed_by_the_expert(session) -> None:
    ticket = await _ticket(session)
    await _do(session, ROUEN_EXPERT, ticket, Action.RESOLVE, solution="Created.")
    with pytest.raises(ActionNotAllowed):
        await _do(session, ROUEN_EXPERT, ticket, Action.CLOSE)


async def test_priority_changes_are_recorded_and_an_unchanged_one_is_not(session) -> None:
    ticket = await _ticket(session)
    agent = await principal(session, LYON_AGENT)
    await changes.set_priority(session, actor=agent, ticket_id=ticket.id, expected_version=1,
                               priority=Priority.HIGH)
    assert (ticket.priority, ticket.version) == (Priority.HIGH, 2)
    await changes.set_priority(session, actor=agent, ticket_id=ticket.id, expected_version=2,
                               priority="HIGH")
    assert ticket.version == 2
    event = await session.scalar(select(TicketEvent).where(
        TicketEvent.ticket_id == ticket.id, TicketEvent.kind == EventKind.PRIORITY_CHANGED))
    assert event is not None and event.data == {"from": "NORMAL", "to": "HIGH"}
    with pytest.raises(ValidationFailed):
        await changes.set_priority(session, actor=agent, ticket_id=ticket.id, expected_version=2,
                                   priority="URGENT")


async def test_a_user_who_only_reads_the_ticket_cannot_change_its_priority(session) -> None:
    # Rouen's Scenari expert reads a Rouen Partage ticket as a Rouen user, but works on none of it.
    ticket = await open_ticket(session, actor=await principal(session, "gaspard.vauquelard"),
                               title="Sync",
                               sub_service_id=await sub_service_id(session, SYNC_ERROR),
                               request_data=SYNC_REQUEST)
    with pytest.raises(PermissionDenied):
        await changes.set_priority(session, actor=await principal(session, ROUEN_EXPERT),
                                   ticket_id=ticket.id, expected_version=1, priority="LOW")


async def test_the_school_escalates_and_the_expert_cannot(session) -> None:
    ticket = await _ticket(session)
    raised = await changes.escalate(session, actor=await principal(session, OPERATIONS),
                                    ticket_id=ticket.id, expected_version=1,
                                    reason="Classes start tomorrow")
    assert (raised.escalation_level, raised.state, raised.version) == (1, TicketState.ASSIGNED, 2)
    with pytest.raises(PermissionDenied):
        await changes.escalate(session, actor=await principal(session, ROUEN_EXPERT),
                               ticket_id=ticket.id, expected_version=2, reason="me too")
    await _do(session, ROUEN_EXPERT, ticket, Action.RESOLVE, solution="Done")
    with pytest.raises(ActionNotAllowed) as resolved:
        await changes.escalate(session, actor=await principal(session, LYON_AGENT),
                               ticket_id=ticket.id, expected_version=ticket.version, reason="!")
    assert resolved.value.allowed == ["CLOSE", "REOPEN"]


async def test_brick_expert_writes_internal_notes_on_the_brick_tickets(session) -> None:
    # Lyon's expert covers the whole Scenari brick, though the ticket went to Rouen's.
    ticket = await _ticket(session)
    note = await comments.add_comment(session, actor=await principal(session, LYON_EXPERT),
                                      ticket_id=ticket.id, body="Seen this before",
                                      visibility=Visibility.INTERNAL, expected_version=1)
    assert note.visibility is Visibility.INTERNAL and ticket.version == 2
    with pytest.raises(ValidationFailed) as empty:
        await comments.add_comment(session, actor=await principal(session, ADMIN),
                                   ticket_id=ticket.id, body=" ")
    assert [e.field for e in empty.value.errors] == ["body"]
