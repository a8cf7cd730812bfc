"""The ticket's SLA clock: it runs on business time, stops while the ticket waits for approval or
on the school, and says OK, WARNING (75%) or BREACHED (100%)."""

from __future__ import annotations

import datetime as dt

from server.sla import clocks
from server.sla.models import SlaLevel, SlaTarget
from server.sla.targets import Targets
from server.tickets.models import NO_DUE_TIME, SlaState, Ticket
from server.tickets.workflow import TicketState
from tests.sla.test_calendar import CALENDAR, hours, paris

TARGETS = Targets(take_seconds=int(hours(4)), resolve_seconds=int(hours(15)))


def opened(at: dt.datetime, state: TicketState = TicketState.NEW) -> Ticket:
    ticket = Ticket(state=state, assignee_id=None, sla_elapsed_seconds=0.0,
                    sla_state=SlaState.OK, sla_due_key=NO_DUE_TIME)
    clocks.refresh(ticket, CALENDAR, TARGETS, at)
    return ticket


def move(ticket: Ticket, state: TicketState, at: dt.datetime, *, assignee: int | None = None) -> None:
    ticket.state = state
    if assignee is not None:
        ticket.assignee_id = assignee
    clocks.refresh(ticket, CALENDAR, None, at)


def test_a_new_ticket_falls_due_on_business_time() -> None:
    # Opened Tuesday 1 December 2026 at 10:00 (Paris): take by 15:30 (2h before lunch, 2h after),
    # resolve by Thursday 10:00 (6h on Tuesday, 7h30 on Wednesday, 1h30 on Thursday).
    ticket = opened(paris(2026, 12, 1, 10))
    assert ticket.take_due_at == paris(2026, 12, 1, 15, 30)
    assert ticket.resolve_due_at == paris(2026, 12, 3, 10)
    assert ticket.sla_due_key == ticket.take_due_at
    # The sweep's next look: 75% of the take target, 3 business hours in.
    assert ticket.sla_check_at == paris(2026, 12, 1, 14, 30)
    assert ticket.sla_state is SlaState.OK


def test_the_clock_reads_warning_at_75_percent_and_breached_at_100() -> None:
    ticket = opened(paris(2026, 12, 1, 10))
    for at, expected in ((paris(2026, 12, 1, 14, 29), SlaState.OK),
                         (paris(2026, 12, 1, 14, 30), SlaState.WARNING),
                         (paris(2026, 12, 1, 15, 30), SlaState.BREACHED)):
        elapsed = clocks.elapsed_at(ticket, CALENDAR, at)
        assert clocks.state_of(clocks.measures(ticket, elapsed)) is expected, at
    crossed = clocks.crossed(clocks.measures(ticket, hours(4)))
    assert [(t, level) for t, level, _ in crossed] == [(SlaTarget.TAKE, SlaLevel.WARNING),
                                                       (SlaTarget.TAKE, SlaLevel.BREACHED)]


def test_taking_the_ticket_records_the_take_time_and_fixes_its_due_time() -> None:
    ticket = opened(paris(2026, 12, 1, 10))
    move(ticket, TicketState.ASSIGNED, paris(2026, 12, 1, 14), assignee=7)
    assert ticket.taken_at == paris(2026, 12, 1, 14)
    assert ticket.take_business_seconds == hours(2.5)
    assert ticket.take_due_at == paris(2026, 12, 1, 15, 30)
    # Now only the resolve target runs: due Thursday 10:00, looked at again at its 75% (11h15).
    assert ticket.sla_due_key == ticket.resolve_due_at == paris(2026, 12, 3, 10)
    assert ticket.sla_check_at == paris(2026, 12, 2, 15, 15)


def test_the_clock_stops_while_the_ticket_waits_on_the_school() -> None:
    ticket = opened(paris(2026, 12, 1, 9))
    move(ticket, TicketState.ASSIGNED, paris(2026, 12, 1, 9), assignee=7)
    move(ticket, TicketState.IN_PROGRESS, paris(2026, 12, 1, 10))
    move(ticket, TicketState.PENDING, paris(2026, 12, 1, 11))
    assert ticket.sla_elapsed_seconds == hours(2)
    assert ticket.sla_running_since is None
    assert (ticket.resolve_due_at, ticket.sla_check_at, ticket.sla_due_key) == (None, None, NO_DUE_TIME)
    # A week later the school answers: the week on hold counts for nothing.
    later = paris(2026, 12, 8, 11)
    assert clocks.elapsed_at(ticket, CALENDAR, later) == hours(2)
    move(ticket, TicketState.IN_PROGRESS, later)
    assert ticket.resolve_due_at == paris(2026, 12, 10, 9)  # 13h left: 5h, 7h30, 30 minutes
    move(ticket, TicketState.RESOLVED, paris(2026, 12, 8, 14))
    assert ticket.resolve_business_seconds == hours(2 + 1 + 0.5)
    assert ticket.sla_running_since is None and ticket.sla_state is SlaState.OK


def test_the_clock_does_not_run_while_the_ticket_waits_for_approval() -> None:
    ticket = opened(paris(2026, 12, 1, 9), TicketState.WAITING_FOR_APPROVAL)
    assert (ticket.take_due_at, ticket.sla_running_since, ticket.sla_check_at) == (None, None, None)
    move(ticket, TicketState.APPROVED, paris(2026, 12, 3, 9))
    assert ticket.sla_elapsed_seconds == 0
    assert ticket.take_due_at == paris(2026, 12, 3, 14, 30)


def test_a_reopened_ticket_runs_on_from_where_it_stopped() -> None:
    ticket = opened(paris(2026, 12, 1, 9))
    move(ticket, TicketState.ASSIGNED, paris(2026, 12, 1, 9), assignee=7)
    move(ticket, TicketState.RESOLVED, paris(2026, 12, 1, 11))
    assert ticket.resolve_business_seconds == hours(2)
    move(ticket, TicketState.IN_PROGRESS, paris(2026, 12, 2, 9))
    assert ticket.resolve_business_seconds is None
    assert ticket.resolve_due_at == paris(2026, 12, 3, 16)  # 13h left: 7h on Wednesday, then 6h


def test_a_crossing_stays_due_for_the_sweep_even_when_a_change_stops_the_clock() -> None:
    ticket = opened(paris(2026, 12, 1, 9))
    check = ticket.sla_check_at
    assert check is not None
    # Assigned after the 75% instant but before any sweep ran: the sweep still looks.
    move(ticket, TicketState.ASSIGNED, check + dt.timedelta(minutes=5), assignee=7)
    assert ticket.sla_check_at == check
    clocks.refresh(ticket, CALENDAR, None, check + dt.timedelta(minutes=6), swept=True)
    assert ticket.sla_check_at is not None and ticket.sla_check_at > check


def test_a_ticket_without_targets_has_no_due_time_and_stays_ok() -> None:
    ticket = Ticket(state=TicketState.NEW, assignee_id=None, sla_elapsed_seconds=0.0,
                    sla_state=SlaState.OK, sla_due_key=NO_DUE_TIME)
    clocks.refresh(ticket, CALENDAR, Targets(), paris(2026, 12, 1, 9))
    assert (ticket.take_due_at, ticket.resolve_due_at, ticket.sla_check_at) == (None, None, None)
    assert ticket.sla_state is SlaState.OK and ticket.sla_due_key == NO_DUE_TIME
