"""The ticket state machine: which caller may do which action from which state, as plain data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal

from server.errors import ActionNotAllowed, ValidationFailed
from tenants.context import Principal, Role


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


_SCHOOL_SUPPORT_ROLES = frozenset({Role.SCHOOL_AGENT, Role.SCHOOL_MANAGER, Role.DESK_INTEGRATION})


class Party(StrEnum):
    """A part a caller can play towards one ticket; a transition names the parties it admits."""

    GROUP_ADMIN = "a group admin"
    DESIGNATED_EXPERT = "an expert designated for the ticket"
    ASSIGNEE = "the assignee"
    # Support of the opening school (agent, manager or its local desk's technical account), or the
    # operations centre, which acts for any school.
    OPENING_SCHOOL = "the opening school (or operations)"
    # Approval commits the school, so only its managers (or a group admin) decide it; the operations
    # centre and plain agents do not.
    SCHOOL_MANAGER = "a manager of the opening school"
    SYSTEM = "the system"


@dataclass(frozen=True, slots=True)
class Actor:
    """What the state machine needs to know about a caller relative to one ticket."""

    roles: frozenset[Role] = frozenset()
    is_assignee: bool = False
    is_designated_expert: bool = False
    in_opening_school: bool = False
    # Automatic work: routing after opening or approval, and the auto-close tick.
    is_system: bool = False

    @classmethod
    def system(cls) -> Actor:
        """The actor for automatic routing and auto-close."""
        return cls(is_system=True)

    @classmethod
    def of(
        cls,
        principal: Principal,
        *,
        ticket_tenant_id: int,
        is_assignee: bool,
        is_designated_expert: bool,
    ) -> Actor:
        """Describe a principal towards a ticket opened for the tenant `ticket_tenant_id`."""
        return cls(
            roles=principal.roles,
            is_assignee=is_assignee,
            is_designated_expert=is_designated_expert,
            in_opening_school=principal.tenant_id == ticket_tenant_id,
        )

    def plays(self, party: Party) -> bool:
        """Whether this actor counts as `party` for the ticket."""
        match party:
            case Party.GROUP_ADMIN:
                return Role.GROUP_ADMIN in self.roles
            case Party.DESIGNATED_EXPERT:
                return self.is_designated_expert
            case Party.ASSIGNEE:
                return self.is_assignee
            case Party.OPENING_SCHOOL:
                return Role.OPERATIONS in self.roles or (
                    self.in_opening_school and bool(self.roles & _SCHOOL_SUPPORT_ROLES)
                )
            case Party.SCHOOL_MANAGER:
                return self.in_opening_school and Role.SCHOOL_MANAGER in self.roles
            case Party.SYSTEM:
                return self.is_system
        raise AssertionError(f"unhandled party {party!r}")  # pragma: no cover


Needs = Literal["reason", "solution"]


@dataclass(frozen=True, slots=True)
class Transition:
    """One rule: `action` from any of `sources` leads to `target` when the caller plays a party."""

    action: Action
    sources: tuple[TicketState, ...]
    target: TicketState
    parties: tuple[Party, ...]
    needs: Needs | None = None

    def admits(self, actor: Actor) -> bool:
        """Whether `actor` plays one of the parties this rule names."""
        return any(actor.plays(p) for p in self.parties)

    def describe(self) -> str:
        """One line an admin can read."""
        sources = ", ".join(self.sources)
        *others, last = self.parties
        who = f"{', '.join(others)} or {last}" if others else last
        line = f"{self.action}: {sources} -> {self.target}, by {who}"
        return f"{line}; needs a {self.needs}" if self.needs else line


_S = TicketState
# At most one transition per (state, action), so the target never depends on who acts.
TRANSITIONS: tuple[Transition, ...] = (
    # Automatic routing assigns as the system; a designated expert may pick from the queue.
    Transition(
        Action.ASSIGN, (_S.NEW, _S.APPROVED), _S.ASSIGNED, (Party.GROUP_ADMIN, Party.SYSTEM),
    ),
    Transition(Action.TAKE, (_S.NEW, _S.APPROVED), _S.ASSIGNED, (Party.DESIGNATED_EXPERT,)),
    Transition(
        Action.APPROVE, (_S.WAITING_FOR_APPROVAL,), _S.APPROVED,
        (Party.SCHOOL_MANAGER, Party.GROUP_ADMIN),
    ),
    Transition(
        Action.REJECT, (_S.WAITING_FOR_APPROVAL,), _S.REJECTED,
        (Party.SCHOOL_MANAGER, Party.GROUP_ADMIN), needs="reason",
    ),
    Transition(Action.START, (_S.ASSIGNED,), _S.IN_PROGRESS, (Party.ASSIGNEE,)),
    # Reassigning is an admin decision: experts cannot take a colleague's ticket, which keeps the
    # routing decision meaningful. The new assignee has not started, hence ASSIGNED...
    Transition(Action.ASSIGN, (_S.ASSIGNED, _S.IN_PROGRESS), _S.ASSIGNED, (Party.GROUP_ADMIN,)),
    # ...except while the school still owes an answer: the ticket keeps waiting on the school.
    Transition(Action.ASSIGN, (_S.PENDING,), _S.PENDING, (Party.GROUP_ADMIN,)),
    Transition(Action.HOLD, (_S.IN_PROGRESS,), _S.PENDING, (Party.ASSIGNEE,), needs="reason"),
    Transition(
        Action.RESUME, (_S.PENDING,), _S.IN_PROGRESS, (Party.OPENING_SCHOOL, Party.ASSIGNEE),
    ),
    Transition(
        Action.RESOLVE, (_S.ASSIGNED, _S.IN_PROGRESS, _S.PENDING), _S.RESOLVED,
        (Party.ASSIGNEE, Party.GROUP_ADMIN), needs="solution",
    ),
    # A reopened ticket goes back to the expert who resolved it, who is still its assignee.
    Transition(
        Action.REOPEN, (_S.RESOLVED,), _S.IN_PROGRESS,
        (Party.OPENING_SCHOOL, Party.ASSIGNEE, Party.GROUP_ADMIN),
    ),
    # The expert does not close their own resolution: the school confirms, or time does.
    Transition(
        Action.CLOSE, (_S.RESOLVED,), _S.CLOSED,
        (Party.OPENING_SCHOOL, Party.GROUP_ADMIN, Party.SYSTEM),
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
_MISSING: dict[Action, str] = {
    Action.HOLD: "required to put a ticket on hold",
    Action.REJECT: "required to reject a ticket",
    Action.RESOLVE: "required to resolve a ticket",
}


def describe_rules() -> list[str]:
    """The transition table, one readable line per rule, in table order."""
    return [t.describe() for t in TRANSITIONS]


def allowed_actions(state: TicketState, actor: Actor) -> list[Action]:
    """The actions `actor` may take on a ticket in `state`, sorted by name."""
    return sorted(
        action
        for (source, action), t in _BY_STATE_AND_ACTION.items()
        if source == state and t.admits(actor)
    )


def transition(
    state: TicketState,
    action: Action,
    actor: Actor,
    *,
    reason: str | None = None,
    solution: str | None = None,
) -> TicketState:
    """The state after `actor` does `action`; raises when the state, caller or input forbid it."""
    rule = _BY_STATE_AND_ACTION.get((state, action))
    if rule is None or not rule.admits(actor):
        # Permission comes before input checks, so a refused caller learns nothing about the input.
        allowed = allowed_actions(state, actor)
        raise ActionNotAllowed(action.value, state.value, [a.value for a in allowed])
    given = {"reason": reason, "solution": solution}
    if rule.needs is not None and _is_blank(given[rule.needs]):
        raise ValidationFailed({rule.needs: _MISSING.get(action, f"required for {action}")})
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
