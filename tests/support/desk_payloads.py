"""Group tickets and events as the mirror delivery hands them to connectors (fictional people)."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, datetime

from tenants.desks import DeskEvent, DeskTicket, EventKind

_refs = itertools.count(1)
_events = itertools.count(1)


def new_ref() -> str:
    """A group ref no other test uses, so session-wide fakes need no reset."""
    return f"GRP-2026-{next(_refs):06d}"


def ticket(**changes: object) -> DeskTicket:
    """A Scenari account-creation ticket from INSA Rennes."""
    base = DeskTicket(
        group_ref=new_ref(),
        title="Cannot create a Scenari account for a new teacher",
        description="The account form says 'quota reached' for Dr O'Brien.\nPlease advise.",
        priority="HIGH",
        state="NEW",
        school="insa-rennes",
        brick="Scenari",
        service="Account management",
        sub_service="Account creation",
        requester_name="Camille Durand",
        requester_email="camille.durand@example.org",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def event(kind: EventKind, on: DeskTicket, message: str | None = None, *,
          author: str | None = "Noé Lambert", **ticket_changes: object) -> DeskEvent:
    """An event with a fresh id; ticket fields may change with it (state, assignee)."""
    return DeskEvent(
        event_id=f"evt-{next(_events):05d}",
        kind=kind,
        ticket=replace(on, **ticket_changes),  # type: ignore[arg-type]
        message=message,
        author=author,
        occurred_at=datetime.now(UTC),
    )


def full_life(on: DeskTicket) -> list[DeskEvent]:
    """Assigned, pending with a question, answered, commented, resolved, reopened, resolved, closed."""
    return [
        event(EventKind.ASSIGNED, on, state="ASSIGNED", assignee="Noé Lambert"),
        event(EventKind.TAKEN, on, state="IN_PROGRESS", assignee="Noé Lambert"),
        event(EventKind.PENDING, on, "Which quota does the form show: disk or accounts?",
              state="PENDING"),
        event(EventKind.ANSWERED, on, "The accounts quota: 200 of 200.", author="Camille Durand",
              state="IN_PROGRESS"),
        event(EventKind.COMMENTED, on, "Raising the school's account quota to 400."),
        event(EventKind.RESOLVED, on, "Quota raised to 400; the account can now be created.",
              state="RESOLVED"),
        event(EventKind.REOPENED, on, "The form still refuses the account.", author="Camille Durand",
              state="IN_PROGRESS"),
        event(EventKind.RESOLVED, on, "The quota cache is flushed; account created.", state="RESOLVED"),
        event(EventKind.CLOSED, on, state="CLOSED"),
    ]
