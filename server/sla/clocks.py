"""A ticket's service level clock, as pure functions of its columns, its state and the time.

One clock counts the business time a ticket spent waiting on the group's experts: it runs in NEW,
APPROVED, ASSIGNED and IN_PROGRESS and stops while the ticket waits for approval, waits on the
school (PENDING), and once it is resolved, closed or rejected. The take target is measured on it
until an expert first has the ticket, the resolve target until the ticket is resolved (a reopened
ticket's clock runs on from where it stopped). The clock is kept incrementally: `settle` adds the
business time since the running segment began at each change, `refresh` recomputes what follows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from server.sla.calendar import BusinessCalendar, add_business_seconds, business_seconds
from server.sla.models import SlaLevel, SlaTarget
from server.sla.targets import Targets
from server.tickets.models import NO_DUE_TIME, SlaState, Ticket
from server.tickets.workflow import TicketState

RUNNING_STATES = frozenset({TicketState.NEW, TicketState.APPROVED, TicketState.ASSIGNED,
                            TicketState.IN_PROGRESS})
DONE_STATES = frozenset({TicketState.RESOLVED, TicketState.CLOSED})
# The thresholds the sweep acts on, as fractions of a target.
THRESHOLDS: tuple[tuple[SlaLevel, float], ...] = ((SlaLevel.WARNING, 0.75), (SlaLevel.BREACHED, 1.0))


def elapsed_at(ticket: Ticket, calendar: BusinessCalendar, now: dt.datetime) -> float:
    """Business seconds on the clock at `now` (the stored count plus the running segment)."""
    if ticket.sla_running_since is None:
        return ticket.sla_elapsed_seconds or 0.0
    return (ticket.sla_elapsed_seconds or 0.0) + business_seconds(
        calendar, ticket.sla_running_since, max(now, ticket.sla_running_since))


@dataclass(frozen=True, slots=True)
class Measure:
    """One target against the clock: its length, what was spent on it, and whether it is over."""

    target: SlaTarget
    seconds: int
    spent: float
    finished: bool

    @property
    def fraction(self) -> float:
        return self.spent / self.seconds


def measures(ticket: Ticket, elapsed: float) -> list[Measure]:
    """Each target the ticket has, with the business time spent on it so far."""
    found = []
    if ticket.take_target_seconds:
        taken = ticket.take_business_seconds
        found.append(Measure(SlaTarget.TAKE, ticket.take_target_seconds,
                             elapsed if taken is None else taken, taken is not None))
    if ticket.resolve_target_seconds and ticket.state is not TicketState.REJECTED:
        resolved = ticket.resolve_business_seconds if ticket.state in DONE_STATES else None
        found.append(Measure(SlaTarget.RESOLVE, ticket.resolve_target_seconds,
                             elapsed if resolved is None else resolved, resolved is not None))
    return found


def state_of(found: list[Measure]) -> SlaState:
    """The worst of the targets: BREACHED at 100% of one, WARNING at 75%."""
    worst = max((m.fraction for m in found), default=0.0)
    if worst >= 1.0:
        return SlaState.BREACHED
    return SlaState.WARNING if worst >= 0.75 else SlaState.OK


def crossed(found: list[Measure]) -> list[tuple[SlaTarget, SlaLevel, Measure]]:
    """Every (target, level) whose threshold the clock has reached, unfinished targets only:
    a target met late was escalated while it ran, or never needs to be."""
    return [(m.target, level, m) for m in found if not m.finished
            for level, share in THRESHOLDS if m.spent >= share * m.seconds]


def settle(ticket: Ticket, calendar: BusinessCalendar, now: dt.datetime) -> float:
    """Bank the running segment's business time up to `now`; the clock's reading."""
    elapsed = elapsed_at(ticket, calendar, now)
    ticket.sla_elapsed_seconds = elapsed
    if ticket.sla_running_since is not None:
        ticket.sla_running_since = max(now, ticket.sla_running_since)
    return elapsed


def refresh(ticket: Ticket, calendar: BusinessCalendar, targets: Targets | None,
            now: dt.datetime, *, swept: bool = False) -> None:
    """Bring every SLA column up to date after a change at `now` (`targets`: the sub-service's at
    the ticket's priority, None to keep the ones in force).

    A check already due stays due until the sweep (`swept`) has acted on it: a change made after a
    threshold was crossed, even one that stops the clock, never hides the crossing from the sweep.
    """
    elapsed = settle(ticket, calendar, now)
    if targets is not None:
        ticket.take_target_seconds = targets.take_seconds
        ticket.resolve_target_seconds = targets.resolve_seconds
    running = ticket.state in RUNNING_STATES
    ticket.sla_running_since = now if running else None
    if ticket.assignee_id is not None and ticket.taken_at is None:
        ticket.taken_at = now
        ticket.take_business_seconds = round(elapsed)
    if ticket.state is TicketState.RESOLVED and ticket.resolve_business_seconds is None:
        ticket.resolve_business_seconds = round(elapsed)
    elif ticket.state not in DONE_STATES:
        ticket.resolve_business_seconds = None
    ticket.take_due_at = _due(ticket.take_due_at, ticket.take_target_seconds,
                              ticket.taken_at is None, running, calendar, now, elapsed)
    ticket.resolve_due_at = _due(ticket.resolve_due_at, ticket.resolve_target_seconds,
                                 ticket.state not in DONE_STATES, running, calendar, now, elapsed)
    found = measures(ticket, elapsed)
    ticket.sla_state = state_of(found)
    due_check = ticket.sla_check_at is not None and ticket.sla_check_at <= now and not swept
    if not due_check:
        ticket.sla_check_at = _next_check(found, calendar, now) if running else None
    pending = [d for d, unfinished in ((ticket.take_due_at, ticket.taken_at is None),
                                       (ticket.resolve_due_at, ticket.state not in DONE_STATES))
               if unfinished and d is not None]
    ticket.sla_due_key = min(pending) if running and pending else NO_DUE_TIME


def _due(previous: dt.datetime | None, target: int | None, unfinished: bool, running: bool,
         calendar: BusinessCalendar, now: dt.datetime, elapsed: float) -> dt.datetime | None:
    """When a target falls due: fixed once met, unknown while the clock is stopped, the past
    instant already computed once it is overdue."""
    if target is None:
        return None
    if not unfinished:
        return previous
    if not running:
        return None
    if elapsed >= target:
        return previous if previous is not None and previous <= now else now
    return add_business_seconds(calendar, now, target - elapsed)


def _next_check(found: list[Measure], calendar: BusinessCalendar,
                now: dt.datetime) -> dt.datetime | None:
    """The next instant a running clock reaches a threshold it has not reached yet."""
    ahead = [share * m.seconds - m.spent for m in found if not m.finished
             for _, share in THRESHOLDS if m.spent < share * m.seconds]
    return add_business_seconds(calendar, now, min(ahead)) if ahead else None
