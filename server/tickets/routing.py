"""Choosing the expert a new ticket goes to, with a reason a group admin can read."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum


class DesignationLevel(IntEnum):
    """Where an expert is designated in the catalogue; higher is more specific."""

    BRICK = 1
    SERVICE = 2
    SUB_SERVICE = 3

    @property
    def label(self) -> str:
        """The catalogue word used in reasons: brick, service, sub-service."""
        return self.name.lower().replace("_", "-")


@dataclass(frozen=True, slots=True)
class Candidate:
    """An expert designated somewhere above the ticket's sub-service, with their current load."""

    user_id: int
    username: str
    tenant_id: int
    level: DesignationLevel
    open_tickets: int
    last_assigned_at: datetime | None
    active: bool = True


@dataclass(frozen=True, slots=True)
class RoutingDecision:
    """The chosen expert and why, as recorded in the ticket history."""

    user_id: int
    username: str
    level: DesignationLevel
    reason: str


RULES: tuple[str, ...] = (
    "1. The most specific designation wins: sub-service, then service, then brick.",
    "2. Among those experts, the one with the fewest open tickets "
    "(assigned, in progress or pending).",
    "3. On a tie, an expert working at the school that opened the ticket.",
    "4. Then the one assigned a ticket least recently; never assigned comes first.",
    "5. Then the lowest user id, so the same situation always gives the same choice.",
    "Deactivated experts are never chosen. With no designated expert the ticket stays in the "
    "brick's queue, visible to the brick's experts and group admins.",
)

# A narrowing step keeps the best candidates by one rule, and says why only when it excluded some.
Narrowing = Callable[[list[Candidate]], tuple[list[Candidate], str | None]]


def choose_expert(
    candidates: Sequence[Candidate], *, opening_tenant_id: int
) -> RoutingDecision | None:
    """Apply RULES in order; None when no active expert is designated.

    `opening_tenant_id` is the school the ticket is for, also when operations opened it.
    """
    experts = _most_specific_per_user(c for c in candidates if c.active)
    if not experts:
        return None
    level = max(c.level for c in experts)
    pool = [c for c in experts if c.level == level]
    reasons = [f"designated on {level.label}"]
    if len(pool) == 1:
        reasons.append("only expert" if len(experts) == 1 else "most specific designation")
    steps: tuple[Narrowing, ...] = (
        _least_loaded,
        lambda p: _same_school(p, opening_tenant_id),
        _least_recently_assigned,
        _lowest_user_id,
    )
    # A step that cannot separate the remaining experts (one left, or all equal) adds no reason.
    for step in steps:
        pool, why = step(pool)
        if why is not None:
            reasons.append(why)
    (chosen,) = pool
    return RoutingDecision(chosen.user_id, chosen.username, chosen.level, "; ".join(reasons))


def _most_specific_per_user(candidates: Iterable[Candidate]) -> list[Candidate]:
    """One entry per expert, at their most specific designation for this ticket."""
    best: dict[int, Candidate] = {}
    for c in candidates:
        if c.user_id not in best or c.level > best[c.user_id].level:
            best[c.user_id] = c
    return list(best.values())


def _least_loaded(pool: list[Candidate]) -> tuple[list[Candidate], str | None]:
    fewest = min(c.open_tickets for c in pool)
    kept = [c for c in pool if c.open_tickets == fewest]
    return _narrowed(pool, kept, f"least loaded: {fewest} open")


def _same_school(
    pool: list[Candidate], opening_tenant_id: int
) -> tuple[list[Candidate], str | None]:
    kept = [c for c in pool if c.tenant_id == opening_tenant_id]
    # Nobody at the opening school: the rule cannot decide, everyone stays in.
    return _narrowed(pool, kept or pool, "same school")


def _least_recently_assigned(pool: list[Candidate]) -> tuple[list[Candidate], str | None]:
    never = [c for c in pool if c.last_assigned_at is None]
    if never:
        return _narrowed(pool, never, "never assigned before")
    # No sentinel such as datetime.min for "never": it is naive and cannot compare with UTC values.
    earliest = min(c.last_assigned_at for c in pool if c.last_assigned_at is not None)
    kept = [c for c in pool if c.last_assigned_at == earliest]
    return _narrowed(pool, kept, "least recently assigned")


def _lowest_user_id(pool: list[Candidate]) -> tuple[list[Candidate], str | None]:
    kept = [min(pool, key=lambda c: c.user_id)]
    return _narrowed(pool, kept, "full tie: lowest user id")


def _narrowed(
    pool: list[Candidate], kept: list[Candidate], why: str
) -> tuple[list[Candidate], str | None]:
    return kept, (why if len(kept) < len(pool) else None)
