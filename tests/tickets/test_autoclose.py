"""Resolved tickets close themselves after the configured days; the app's scheduler runs it."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from groupdesk.app import create_app
from server.config import Settings
from server.db import utcnow
from server.jobs.scheduler import AUTO_CLOSE_JOB, auto_close_tick, build_scheduler
from server.tickets import actions
from server.tickets.autoclose import close_resolved_tickets
from server.tickets.models import EventKind, Ticket, TicketEvent
from server.tickets.service import open_ticket
from server.tickets.workflow import Action, TicketState
from tests.tickets.helpers import (
    ACCOUNT_CREATION,
    ACCOUNT_REQUEST,
    LYON_AGENT,
    ROUEN_EXPERT,
    principal,
    sub_service_id,
)


async def _resolved(session: AsyncSession, days_ago: float) -> Ticket:
    ticket = await open_ticket(session, actor=await principal(session, LYON_AGENT), title="Help",
                               sub_service_id=await sub_service_id(session, ACCOUNT_CREATION),
                               request_data=ACCOUNT_REQUEST)
    await actions.perform(session, actor=await principal(session, ROUEN_EXPERT),
                          ticket_id=ticket.id, action=Action.RESOLVE, expected_version=1,
                          solution="Done")
    ticket.resolved_at = utcnow() - dt.timedelta(days=days_ago)
    await session.flush()
    return ticket


async def test_tickets_resolved_long_enough_ago_close_with_a_system_event(session) -> None:
    due = await _resolved(session, days_ago=7.01)
    recent = await _resolved(session, days_ago=6.9)
    now = utcnow()
    assert await close_resolved_tickets(session, now=now, after_days=7) == 1
    assert (due.state, due.closed_at, due.version) == (TicketState.CLOSED, now, 3)
    assert recent.state is TicketState.RESOLVED
    event = await session.scalar(select(TicketEvent).where(
        TicketEvent.ticket_id == due.id, TicketEvent.kind == EventKind.CLOSED))
    assert event is not None and event.actor_id is None
    assert event.data["from"] == "RESOLVED" and "7 days" in event.data["reason"]
    # A second sweep finds nothing more to do.
    assert await close_resolved_tickets(session, now=now, after_days=7) == 0


async def test_a_reopened_ticket_is_not_closed(session) -> None:
    ticket = await _resolved(session, days_ago=30)
    await actions.perform(session, actor=await principal(session, LYON_AGENT),
                          ticket_id=ticket.id, action=Action.REOPEN, expected_version=2)
    assert await close_resolved_tickets(session, now=utcnow(), after_days=7) == 0
    assert ticket.state is TicketState.IN_PROGRESS


async def test_zero_days_closes_at_once_and_negative_days_are_refused(session) -> None:
    ticket = await _resolved(session, days_ago=0)
    assert await close_resolved_tickets(session, now=utcnow(), after_days=0) == 1
    assert ticket.state is TicketState.CLOSED
    with pytest.raises(ValueError):
        await close_resolved_tickets(session, now=utcnow(), after_days=-1)


async def test_the_tick_closes_due_tickets_in_its_own_session(session, sessions) -> None:
    ticket = await _resolved(session, days_ago=8)
    await session.commit()  # the test's savepoint: visible to the tick's session
    assert await auto_close_tick(sessions, 7) == 1
    await session.refresh(ticket)
    assert ticket.state is TicketState.CLOSED


def test_settings_default_to_seven_days_and_five_minutes() -> None:
    settings = Settings(_env_file=None)
    assert (settings.auto_close_days, settings.tick_seconds) == (7, 300)


def test_no_scheduler_when_ticks_are_disabled(settings, sessions) -> None:
    assert build_scheduler(settings.model_copy(update={"tick_seconds": 0}), sessions) is None


async def test_app_starts_the_scheduler_and_stops_it_on_shutdown(settings, engine,
                                                                 sessions) -> None:
    app = create_app(settings.model_copy(update={"tick_seconds": 60}), engine=engine,
                     sessions=sessions)
    async with app.router.lifespan_context(app):
        scheduler = app.state.runtime.scheduler
        assert scheduler is not None and scheduler.running
        job = scheduler.get_job(AUTO_CLOSE_JOB)
        assert job.coalesce is True and job.max_instances == 1
        assert job.trigger.interval == dt.timedelta(seconds=60)
    await asyncio.sleep(0)  # shutdown is scheduled on the loop
    assert not scheduler.running
