"""Which iTop UserRequest stimuli bring a local ticket in line with a group event (pure)."""

from __future__ import annotations

from tenants.desks.base import EventKind

# The UserRequest lifecycle of iTop's ITIL data model: state -> {stimulus: target state}.
TRANSITIONS: dict[str, dict[str, str]] = {
    "new": {
        "ev_assign": "assigned",
        "ev_timeout": "escalated_tto",
        "ev_wait_for_approval": "waiting_for_approval",
        "ev_autoresolve": "resolved",
    },
    "escalated_tto": {"ev_assign": "assigned", "ev_autoresolve": "resolved"},
    "assigned": {
        "ev_pending": "pending",
        "ev_resolve": "resolved",
        "ev_reassign": "assigned",
        "ev_timeout": "escalated_ttr",
        "ev_autoresolve": "resolved",
    },
    "escalated_ttr": {
        "ev_pending": "pending",
        "ev_resolve": "resolved",
        "ev_reassign": "assigned",
        "ev_autoresolve": "resolved",
    },
    "waiting_for_approval": {"ev_approve": "approved", "ev_reject": "rejected"},
    "approved": {"ev_timeout": "escalated_tto", "ev_assign": "assigned", "ev_autoresolve": "resolved"},
    "rejected": {"ev_reopen": "new"},
    "pending": {"ev_assign": "assigned", "ev_autoresolve": "resolved"},
    "resolved": {"ev_close": "closed", "ev_reopen": "assigned", "ev_autoresolve": "resolved"},
    "closed": {},
}

_UNASSIGNED = ("new", "escalated_tto", "approved")
_WORKING = ("assigned", "escalated_ttr")


class Unreachable(Exception):
    """The local ticket's state offers no way to mirror this event."""


# What a resync re-applies for each group state: the event that leads there.
RESYNC_AS: dict[str, EventKind] = {
    "ASSIGNED": EventKind.TAKEN, "IN_PROGRESS": EventKind.TAKEN, "PENDING": EventKind.PENDING,
    "RESOLVED": EventKind.RESOLVED, "CLOSED": EventKind.CLOSED, "REJECTED": EventKind.CLOSED,
}
# The local states that agree with each group state (what reconciliation compares).
EXPECTED: dict[str, tuple[str, ...]] = {
    "NEW": ("new", "escalated_tto", "approved", "waiting_for_approval"),
    "WAITING_FOR_APPROVAL": ("new", "escalated_tto", "approved", "waiting_for_approval"),
    "APPROVED": ("new", "escalated_tto", "approved"),
    "ASSIGNED": ("assigned", "escalated_ttr"),
    "IN_PROGRESS": ("assigned", "escalated_ttr"),
    "PENDING": ("pending",),
    "RESOLVED": ("resolved",),
    "CLOSED": ("closed",),
    "REJECTED": ("closed", "rejected"),
}


def plan(kind: EventKind, status: str, group_state: str | None = None) -> list[str]:
    """The stimuli to apply, in order, from `status`; empty when only a comment is needed.

    A resync walks to the local state that agrees with `group_state`.
    """
    if status not in TRANSITIONS:
        raise Unreachable(f"unknown state {status!r}")
    if kind is EventKind.RESYNCED:
        if group_state in EXPECTED and status in EXPECTED[group_state]:
            return []
        kind = RESYNC_AS.get(group_state or "", EventKind.COMMENTED)
    steps = _plan(kind, status)
    _check(status, steps)
    return steps


def _plan(kind: EventKind, status: str) -> list[str]:
    match kind:
        case EventKind.COMMENTED:
            return []
        case EventKind.ASSIGNED | EventKind.TAKEN:
            if status in _UNASSIGNED or status == "pending":
                return ["ev_assign"]
            if status in _WORKING:
                # Already assigned: ev_assign is refused there; the connector drops this step
                # when the team and agent already match.
                return ["ev_reassign"]
            if status == "resolved":
                return ["ev_reopen"]
        case EventKind.PENDING:
            if status in _UNASSIGNED:
                return ["ev_assign", "ev_pending"]
            if status in _WORKING:
                return ["ev_pending"]
            if status == "pending":
                return []
            if status == "resolved":
                return ["ev_reopen", "ev_pending"]
        case EventKind.ANSWERED:
            if status == "pending":
                return ["ev_assign"]
            if status != "closed":
                return []
        case EventKind.RESOLVED:
            if status in _WORKING:
                return ["ev_resolve"]
            if status in _UNASSIGNED or status == "pending":
                # pending has no ev_resolve; the data model resolves it with ev_autoresolve.
                return ["ev_autoresolve"]
            if status in ("resolved", "closed"):
                return []
        case EventKind.REOPENED:
            if status == "resolved":
                return ["ev_reopen"]
            if status != "closed":
                return []
        case EventKind.CLOSED:
            if status == "closed":
                return []
            if status == "resolved":
                return ["ev_close"]
            if status in _WORKING:
                return ["ev_resolve", "ev_close"]
            if status in _UNASSIGNED or status == "pending":
                return ["ev_autoresolve", "ev_close"]
        case EventKind.OPENED:
            raise Unreachable("ticket.opened is mirrored by create(), not by a transition")
    raise Unreachable(f"iTop offers no transition from {status!r} for {kind.value}")


def _check(status: str, steps: list[str]) -> None:
    """Guard against a plan that does not follow the lifecycle table."""
    for stimulus in steps:
        target = TRANSITIONS[status].get(stimulus)
        if target is None:
            raise Unreachable(f"stimulus {stimulus} is not allowed in state {status!r}")
        status = target


def target_fields(stimulus: str) -> tuple[str, ...]:
    """Attributes that must be filled for the stimulus's target state to accept the ticket."""
    return {
        "ev_assign": ("team_id", "agent_id"),
        "ev_reassign": ("team_id", "agent_id"),
        "ev_pending": ("pending_reason",),
        "ev_resolve": ("solution", "resolution_code"),
        "ev_autoresolve": ("solution", "resolution_code"),
    }.get(stimulus, ())
