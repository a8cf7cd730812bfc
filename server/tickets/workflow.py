"""The ticket state machine: which party may do which action from which state, as plain data.

Transitions name parties (the assignee, the opening school...); who plays which party on a ticket
is tenants.policy.parties' answer, never worked out here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal

from server.errors import ActionNotAllowed, FieldError, ValidationFailed
from tenants.policy import Party
from tenants.i18n.messages import Message


class TicketState(StrEnum):
    """Where a group ticket stands; PENDING means waiting on the school."""

    NEW = "NEW"
    WAITING_FOR_APPROVAL = "WAITING_FOR_APPROVAL"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    ASSIGNED = "ASSIGNED"
    IN_PROGRESS = "IN_PROGRESS"
    PENDING = "PENDING"
    RESOLVED = "RESOLVED"
    CLOSED = "CLOSED"


# An expert's load: tickets that have an assignee and still need work from them. NEW and APPROVED
# wait in the brick's queue with nobody assigned, so they weigh on no one; RESOLVED is done unless
# the school reopens it.
OPEN_STATES: frozenset[TicketState] = frozenset(
    {TicketState.ASSIGNED, TicketState.IN_PROGRESS, TicketState.PENDING}
)
# Unassigned tickets that routing, a designated expert or a group admin can still pick up.
QUEUED_STATES: frozenset[TicketState] = frozenset({TicketState.NEW, TicketState.APPROVED})
# Nothing leaves these states.
TERMINAL_STATES: frozenset[TicketState] = frozenset({TicketState.REJECTED, TicketState.CLOSED})


class Action(StrEnum):
    """What a caller (or the system) can do to a ticket."""

    TAKE = "TAKE"
    ASSIGN = "ASSIGN"
    START = "START"
    HOLD = "HOLD"
    RESUME = "RESUME"
    RESOLVE = "RESOLVE"
    REOPEN = "REOPEN"
    CLOSE = "CLOSE"
    APPROVE = "APPROVE"
    REJECT = "REJECT"


# Automatic work: routing after opening or approval, and the auto-close tick.
SYSTEM: frozenset[Party] = frozenset({Party.SYSTEM})


Needs = Literal["reason", "solution"]


@dataclass(frozen=True, slots=True)
class Transition:
    """One rule: `action` from any of `sources` leads to `target` when the caller plays a party."""

    action: Action
    sources: tuple[TicketState, ...]
    target: TicketState
    parties: tuple[Party, ...]
    needs: Needs | None = None

    def admits(self, played: frozenset[Party]) -> bool:
        """Whether a caller playing `played` plays one of the parties this rule names."""
        return not played.isdisjoint(self.parties)

    def who(self) -> str:
        """The parties it admits, as a phrase."""
        *others, last = self.parties
        return f"{', '.join(others)} or {last}" if others else last

    def describe(self) -> str:
        """One line an admin can read."""
        sources = ", ".join(self.sources)
        line = f"{self.action}: {sources} -> {self.target}, by {self.who()}"
        return f"{line}; needs a {self.needs}" if self.needs else line


_S = TicketState
# At most one transition per (state, action), so the target never depends on who acts.
TRANSITIONS: tuple[Transition, ...] = (
    # Automatic routing assigns as the system; a covering expert may pick from the queue.
    Transition(
        Action.ASSIGN, (_S.NEW, _S.APPROVED), _S.ASSIGNED, (Party.GROUP_ADMIN, Party.SYSTEM),
    ),
    Transition(Action.TAKE, (_S.NEW, _S.APPROVED), _S.ASSIGNED, (Party.COVERING_EXPERT,)),
    Transition(
        Action.APPROVE, (_S.WAITING_FOR_APPROVAL,), _S.APPROVED,
        (Party.MANAGER, Party.GROUP_ADMIN),
    ),
    Transition(
        Action.REJECT, (_S.WAITING_FOR_APPROVAL,), _S.REJECTED,
        (Party.MANAGER, Party.GROUP_ADMIN), needs="reason",
    ),
    Transition(Action.START, (_S.ASSIGNED,), _S.IN_PROGRESS, (Party.ASSIGNEE,)),
    # Reassigning is an admin decision: experts cannot take a colleague's ticket, which keeps the
    # routing decision meaningful. The new assignee has not started, hence ASSIGNED...
    Transition(Action.ASSIGN, (_S.ASSIGNED, _S.IN_PROGRESS), _S.ASSIGNED, (Party.GROUP_ADMIN,)),
    # ...except while the school still owes an answer: the ticket keeps waiting on the school.
    Transition(Action.ASSIGN, (_S.PENDING,), _S.PENDING, (Party.GROUP_ADMIN,)),
    Transition(Action.HOLD, (_S.IN_PROGRESS,), _S.PENDING, (Party.ASSIGNEE,), needs="reason"),
    Transition(
        Action.RESUME, (_S.PENDING,), _S.IN_PROGRESS,
        (Party.OPENING_SCHOOL, Party.OPERATIONS, Party.ASSIGNEE),
    ),
    Transition(
        Action.RESOLVE, (_S.ASSIGNED, _S.IN_PROGRESS, _S.PENDING), _S.RESOLVED,
        (Party.ASSIGNEE, Party.GROUP_ADMIN), needs="solution",
    ),
    # A reopened ticket goes back to the expert who resolved it, who is still its assignee.
    Transition(
        Action.REOPEN, (_S.RESOLVED,), _S.IN_PROGRESS,
        (Party.OPENING_SCHOOL, Party.OPERATIONS, Party.ASSIGNEE, Party.GROUP_ADMIN),
    ),
    # The expert does not close their own resolution: the school confirms, or time does.
    Transition(
        Action.CLOSE, (_S.RESOLVED,), _S.CLOSED,
        (Party.OPENING_SCHOOL, Party.OPERATIONS, Party.GROUP_ADMIN, Party.SYSTEM),
    ),
)


def _index(transitions: tuple[Transition, ...]) -> dict[tuple[TicketState, Action], Transition]:
    """Key the table by (state, action), refusing a table where one pair has two outcomes."""
    index: dict[tuple[TicketState, Action], Transition] = {}
    for t in transitions:
        for source in t.sources:
            if (source, t.action) in index:
                raise ValueError(f"two transitions for {t.action} from {source}")
            index[source, t.action] = t
    return index


_BY_STATE_AND_ACTION = _index(TRANSITIONS)
_MISSING: dict[Action, Message] = {
    Action.HOLD: Message("required to put a ticket on hold"),
    Action.REJECT: Message("required to reject a ticket"),
    Action.RESOLVE: Message("required to resolve a ticket"),
}


def describe_rules() -> list[str]:
    """The transition table, one readable line per rule, in table order."""
    return [t.describe() for t in TRANSITIONS]


def allowed_actions(state: TicketState, played: frozenset[Party]) -> list[Action]:
    """The actions a caller playing `played` may take on a ticket in `state`, sorted by name."""
    return sorted(
        action
        for (source, action), t in _BY_STATE_AND_ACTION.items()
        if source == state and t.admits(played)
    )


def transition(
    state: TicketState,
    action: Action,
    played: frozenset[Party],
    *,
    reason: str | None = None,
    solution: str | None = None,
) -> TicketState:
    """The state after a caller playing `played` does `action`; raises when the state, the caller
    or the input forbid it."""
    rule = _BY_STATE_AND_ACTION.get((state, action))
    if rule is None or not rule.admits(played):
        # Permission comes before input checks, so a refused caller learns nothing about the input.
        allowed = allowed_actions(state, played)
        if rule is None:
            raise ActionNotAllowed(action.value, state.value, [a.value for a in allowed])
        raise ActionNotAllowed(action.value, state.value, [a.value for a in allowed],
                               reason=ActionNotAllowed.ROLE, who=rule.who())
    given = {"reason": reason, "solution": solution}
    if rule.needs is not None and _is_blank(given[rule.needs]):
        missing = _MISSING.get(action) or Message("required for {action}", action=action.value)
        raise ValidationFailed([FieldError(rule.needs, missing)])
    return rule.target


def auto_close_due(
    state: TicketState, resolved_at: datetime, now: datetime, after_days: int
) -> bool:
    """Whether a resolved ticket has waited `after_days` full days and should close itself."""
    if after_days < 0:
        raise ValueError(f"after_days must be zero or more, got {after_days}")
    return state == TicketState.RESOLVED and now - resolved_at >= timedelta(days=after_days)


def _is_blank(text: str | None) -> bool:
    return text is None or not text.strip()
