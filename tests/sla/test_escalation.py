"""The escalation sweep: a ticket left untaken crosses 75% then 100% of its target on the business
calendar, and is escalated once per threshold, however often (or late) the sweep runs."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import utcnow
from server.jobs.scheduler import SLA_SWEEP_JOB, build_scheduler
from server.sla import escalation
from server.sla.escalation import sweep
from server.sla.models import SlaLevel, SlaTarget, TicketEscalation
from server.tickets import actions
from server.tickets.changes import escalate, set_priority
from server.tickets.models import EventKind, SlaState, Ticket, TicketEvent, Visibility
from server.tickets.service import open_ticket
from server.tickets.workflow import Action, TicketState
from tests.support.clock import SteppedClock
from tests.tickets.helpers import (
    ACCOUNT_CREATION,
    ACCOUNT_REQUEST,
    LYON_AGENT,
    LYON_MANAGER,
    ROLE_CHANGE,
    ROUEN_EXPERT,
    principal,
    sub_service_id,
)

BOOKING_CONFLICT = ("ade", "Room bookings", "Booking conflict")  # nobody is designated on it
BOOKING = {"room": "Amphi Gaston Berger", "day": "2026-12-10"}


async def untaken(session: AsyncSession, priority: str | None = None) -> Ticket:
    return await open_ticket(session, actor=await principal(session, LYON_AGENT),
                             title="Two courses in one room", priority=priority,
                             sub_service_id=await sub_service_id(session, BOOKING_CONFLICT),
                             request_data=BOOKING)


async def escalations(session: AsyncSession, ticket: Ticket) -> list[tuple[str, str]]:
    rows = await session.scalars(select(TicketEscalation).where(
        TicketEscalation.ticket_id == ticket.id).order_by(TicketEscalation.id))
    return [(r.target.value, r.level.value) for r in rows]


async def escalated_events(session: AsyncSession, ticket: Ticket) -> list[TicketEvent]:
    return list(await session.scalars(select(TicketEvent).where(
        TicketEvent.ticket_id == ticket.id, TicketEvent.kind == EventKind.ESCALATED)
        .order_by(TicketEvent.id)))


async def test_an_opened_ticket_gets_the_sub_services_targets_and_due_times(session) -> None:
    ticket = await untaken(session)
    # The demo's NORMAL default: taken within 4 business hours, resolved within 22h30.
    assert (ticket.take_target_seconds, ticket.resolve_target_seconds) == (4 * 3600, 81000)
    assert ticket.take_due_at is not None and ticket.resolve_due_at is not None
    assert ticket.created_at < ticket.take_due_at < ticket.resolve_due_at
    assert ticket.sla_due_key == ticket.take_due_at and ticket.sla_state is SlaState.OK
    assert ticket.sla_check_at is not None and ticket.sla_check_at < ticket.take_due_at


async def test_an_untaken_ticket_escalates_once_at_75_percent_then_once_when_breached(session) -> None:
    ticket = await untaken(session)
    clock = SteppedClock()
    assert await sweep(session, now=clock()) == 0
    warning_at, due_at = ticket.sla_check_at, ticket.take_due_at
    assert warning_at is not None and due_at is not None
    clock.now = warning_at
    assert await sweep(session, now=clock()) == 1
    # Repeated ticks, and a late one, change nothing more until the next threshold.
    assert await sweep(session, now=clock()) == 0
    clock.now = due_at - dt.timedelta(seconds=1)
    assert await sweep(session, now=clock()) == 0
    assert (ticket.escalation_level, ticket.sla_state) == (1, SlaState.WARNING)
    clock.now = due_at
    assert await sweep(session, now=clock()) == 1
    assert await sweep(session, now=clock()) == 0
    assert await escalations(session, ticket) == [("TAKE", "WARNING"), ("TAKE", "BREACHED")]
    assert (ticket.escalation_level, ticket.sla_state) == (2, SlaState.BREACHED)
    warning, breached = await escalated_events(session, ticket)
    assert warning.actor_id is None and warning.visibility is Visibility.INTERNAL
    assert warning.data | {"dueAt": None} == {
        "level": 1, "automatic": True, "sla": "WARNING", "target": "TAKE", "percent": 75,
        "elapsedBusinessSeconds": 3 * 3600, "targetBusinessSeconds": 4 * 3600, "dueAt": None,
        "reason": "75% of the business time for taking the ticket is spent"}
    assert warning.data["dueAt"] == due_at.isoformat()
    assert (breached.data["sla"], breached.data["percent"], breached.data["level"]) == ("BREACHED", 100, 2)


async def test_a_sweep_that_missed_every_threshold_records_each_once(session) -> None:
    ticket = await untaken(session)
    assert ticket.take_due_at is not None
    # A month late: both targets went past 75% and 100% meanwhile.
    later = ticket.take_due_at + dt.timedelta(days=30)
    assert await sweep(session, now=later) == 4
    assert await sweep(session, now=later) == 0
    assert await escalations(session, ticket) == [("TAKE", "WARNING"), ("TAKE", "BREACHED"),
                                                  ("RESOLVE", "WARNING"), ("RESOLVE", "BREACHED")]
    assert ticket.escalation_level == 4 and ticket.sla_check_at is None


async def test_a_ticket_taken_in_time_is_never_escalated_for_taking(session) -> None:
    ticket = await open_ticket(session, actor=await principal(session, LYON_AGENT), title="Account",
                               sub_service_id=await sub_service_id(session, ACCOUNT_CREATION),
                               request_data=ACCOUNT_REQUEST)
    # Routed at once: taken with no business time spent.
    assert ticket.state is TicketState.ASSIGNED and ticket.taken_at is not None
    assert ticket.take_business_seconds == 0
    assert ticket.sla_due_key == ticket.resolve_due_at
    assert ticket.sla_check_at is not None
    await sweep(session, now=ticket.sla_check_at)
    assert await escalations(session, ticket) == [("RESOLVE", "WARNING")]


async def test_the_clock_stops_on_hold_and_no_sweep_escalates_a_stopped_clock(session) -> None:
    expert = await principal(session, ROUEN_EXPERT)
    ticket = await open_ticket(session, actor=await principal(session, LYON_AGENT), title="Account",
                               sub_service_id=await sub_service_id(session, ACCOUNT_CREATION),
                               request_data=ACCOUNT_REQUEST)
    await actions.perform(session, actor=expert, ticket_id=ticket.id, action=Action.START,
                          expected_version=ticket.version)
    await actions.perform(session, actor=expert, ticket_id=ticket.id, action=Action.HOLD,
                          expected_version=ticket.version, reason="Which platform?")
    assert ticket.state is TicketState.PENDING
    assert (ticket.sla_running_since, ticket.resolve_due_at, ticket.sla_check_at) == (None, None, None)
    assert await sweep(session, now=utcnow() + dt.timedelta(days=60)) == 0
    await actions.perform(session, actor=await principal(session, LYON_AGENT), ticket_id=ticket.id,
                          action=Action.RESUME, expected_version=ticket.version)
    assert ticket.sla_running_since is not None and ticket.resolve_due_at is not None


async def test_the_clock_does_not_start_before_approval(session) -> None:
    ticket = await open_ticket(session, actor=await principal(session, LYON_AGENT), title="Role",
                               sub_service_id=await sub_service_id(session, ROLE_CHANGE),
                               request_data={"account_email": "a@insa-lyon.example.org",
                                             "platform": "scenari-pedagogie", "new_role": "publisher"})
    assert ticket.state is TicketState.WAITING_FOR_APPROVAL
    assert (ticket.take_due_at, ticket.sla_running_since, ticket.sla_check_at) == (None, None, None)
    # It waited a week for its approval, business days included: none of it counts.
    ticket.created_at -= dt.timedelta(days=7)
    await session.flush()
    approving = utcnow()
    await actions.perform(session, actor=await principal(session, LYON_MANAGER), ticket_id=ticket.id,
                          action=Action.APPROVE, expected_version=ticket.version)
    # The clock runs from the approval on: during business hours the approval's own milliseconds
    # (from its transition to its routing) may count, never more.
    took = (utcnow() - approving).total_seconds()
    assert 0 <= ticket.sla_elapsed_seconds <= took and ticket.resolve_due_at is not None
    assert ticket.sla_running_since is not None and ticket.sla_running_since >= approving


async def test_the_escalation_row_is_unique_per_ticket_target_and_level(session) -> None:
    ticket = await untaken(session)
    now = utcnow()
    assert await escalation._claim(session, ticket.id, SlaTarget.TAKE, SlaLevel.WARNING, 1.0, None, now)
    assert not await escalation._claim(session, ticket.id, SlaTarget.TAKE, SlaLevel.WARNING, 2.0,
                                       None, now)
    assert await escalations(session, ticket) == [("TAKE", "WARNING")]


async def test_manual_escalation_still_raises_the_level(session) -> None:
    ticket = await untaken(session)
    await escalate(session, actor=await principal(session, LYON_AGENT), ticket_id=ticket.id,
                   expected_version=ticket.version, reason="The exam is tomorrow")
    assert ticket.escalation_level == 1
    assert ticket.sla_check_at is not None
    await sweep(session, now=ticket.sla_check_at)
    assert ticket.escalation_level == 2


async def test_a_priority_change_brings_the_targets_of_the_new_priority(session) -> None:
    ticket = await untaken(session)
    normal_due = ticket.take_due_at
    await set_priority(session, actor=await principal(session, LYON_AGENT), ticket_id=ticket.id,
                       expected_version=ticket.version, priority="CRITICAL")
    assert (ticket.take_target_seconds, ticket.resolve_target_seconds) == (3600, 27000)
    assert ticket.take_due_at is not None and normal_due is not None
    assert ticket.take_due_at < normal_due


def test_the_scheduler_sweeps_service_levels_unless_turned_off(settings, sessions) -> None:
    on = build_scheduler(settings.model_copy(update={"tick_seconds": 300, "sla_sweep_seconds": 30}),
                         sessions)
    assert on is not None
    job = on.get_job(SLA_SWEEP_JOB)
    assert job is not None and job.trigger.interval.total_seconds() == 30
    off = build_scheduler(settings.model_copy(update={"tick_seconds": 300, "sla_sweep_seconds": 0}),
                          sessions)
    assert off is not None and off.get_job(SLA_SWEEP_JOB) is None
