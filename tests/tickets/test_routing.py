"""Routing a new ticket: each rule beats the next, and the reason names the rules that decided."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import permutations

import pytest

from server.tickets.routing import (
    RULES,
    Candidate,
    DesignationLevel,
    RoutingDecision,
    choose_expert,
)

OPENING = 10  # the school the ticket is for
OTHER = 20
MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TUESDAY = MONDAY + timedelta(days=1)

L = DesignationLevel


def expert(
    user_id: int,
    *,
    level: DesignationLevel = L.SERVICE,
    open_tickets: int = 0,
    tenant_id: int = OPENING,
    last_assigned_at: datetime | None = MONDAY,
    active: bool = True,
) -> Candidate:
    """A candidate with neutral defaults, so each test states only what it is about."""
    return Candidate(
        user_id=user_id,
        username=f"expert{user_id}",
        tenant_id=tenant_id,
        level=level,
        open_tickets=open_tickets,
        last_assigned_at=last_assigned_at,
        active=active,
    )


def chosen(*candidates: Candidate) -> RoutingDecision:
    decision = choose_expert(candidates, opening_tenant_id=OPENING)
    assert decision is not None
    return decision


def test_single_expert_is_chosen_as_the_only_expert() -> None:
    decision = chosen(expert(4, level=L.SERVICE, open_tickets=9))
    assert decision == RoutingDecision(
        4, "expert4", L.SERVICE, "designated on service; only expert"
    )


def test_sub_service_expert_beats_a_less_loaded_brick_expert() -> None:
    decision = chosen(
        expert(1, level=L.BRICK, open_tickets=0),
        expert(2, level=L.SUB_SERVICE, open_tickets=5),
        expert(3, level=L.SERVICE, open_tickets=1),
    )
    assert (decision.user_id, decision.level) == (2, L.SUB_SERVICE)
    assert decision.reason == "designated on sub-service; most specific designation"


def test_service_expert_beats_brick_expert_when_no_sub_service_designation() -> None:
    decision = chosen(expert(1, level=L.BRICK), expert(2, level=L.SERVICE, open_tickets=3))
    assert decision.user_id == 2


def test_expert_at_another_school_is_chosen_when_least_loaded() -> None:
    decision = chosen(
        expert(1, tenant_id=OPENING, open_tickets=3),
        expert(2, tenant_id=OTHER, open_tickets=1),
    )
    assert decision.user_id == 2
    assert decision.reason == "designated on service; least loaded: 1 open"


def test_expert_at_the_opening_school_wins_an_equal_load_even_if_assigned_recently() -> None:
    decision = chosen(
        expert(1, tenant_id=OTHER, last_assigned_at=None),
        expert(2, tenant_id=OPENING, last_assigned_at=TUESDAY),
    )
    assert decision.user_id == 2
    assert decision.reason == "designated on service; same school"


def test_least_recently_assigned_wins_over_a_lower_user_id() -> None:
    decision = chosen(expert(2, last_assigned_at=TUESDAY), expert(9, last_assigned_at=MONDAY))
    assert decision.user_id == 9
    assert decision.reason == "designated on service; least recently assigned"


def test_never_assigned_expert_counts_as_least_recently_assigned() -> None:
    decision = chosen(expert(2, last_assigned_at=MONDAY), expert(9, last_assigned_at=None))
    assert decision.user_id == 9
    assert decision.reason == "designated on service; never assigned before"


def test_full_tie_goes_to_the_lowest_user_id() -> None:
    decision = chosen(expert(7), expert(3), expert(5))
    assert decision.user_id == 3
    assert decision.reason == "designated on service; full tie: lowest user id"


def test_reason_lists_every_rule_that_narrowed_the_choice_in_order() -> None:
    decision = chosen(
        expert(1, level=L.SUB_SERVICE, open_tickets=3),
        expert(2, level=L.SUB_SERVICE, open_tickets=2, tenant_id=OTHER, last_assigned_at=None),
        expert(3, level=L.SUB_SERVICE, open_tickets=2, last_assigned_at=TUESDAY),
        expert(4, level=L.SUB_SERVICE, open_tickets=2, last_assigned_at=MONDAY),
        expert(5, level=L.BRICK, open_tickets=0),
    )
    assert decision.user_id == 4
    assert decision.reason == (
        "designated on sub-service; least loaded: 2 open; same school; least recently assigned"
    )


def test_school_rule_is_left_out_when_no_expert_works_at_the_opening_school() -> None:
    decision = chosen(
        expert(1, tenant_id=OTHER, last_assigned_at=TUESDAY),
        expert(2, tenant_id=OTHER + 1, last_assigned_at=MONDAY),
    )
    assert decision.user_id == 2
    assert decision.reason == "designated on service; least recently assigned"


def test_load_rule_is_left_out_when_loads_are_equal() -> None:
    decision = chosen(expert(1, open_tickets=2, tenant_id=OTHER), expert(2, open_tickets=2))
    assert decision.reason == "designated on service; same school"


def test_inactive_experts_are_ignored_even_when_more_specific() -> None:
    decision = chosen(
        expert(1, level=L.SUB_SERVICE, active=False),
        expert(2, level=L.BRICK, open_tickets=4),
    )
    assert decision.user_id == 2
    assert decision.reason == "designated on brick; only expert"


@pytest.mark.parametrize("levels", [(L.BRICK, L.SUB_SERVICE), (L.SUB_SERVICE, L.BRICK)])
def test_expert_designated_at_two_levels_counts_once_at_the_most_specific(
    levels: tuple[DesignationLevel, DesignationLevel],
) -> None:
    decision = chosen(*(expert(1, level=level, open_tickets=6) for level in levels))
    assert decision == RoutingDecision(
        1, "expert1", L.SUB_SERVICE, "designated on sub-service; only expert"
    )


@pytest.mark.parametrize(
    "candidates",
    [
        pytest.param([], id="nobody designated"),
        pytest.param([expert(1, active=False), expert(2, active=False)], id="all inactive"),
    ],
)
def test_no_active_expert_leaves_the_ticket_unrouted(candidates: list[Candidate]) -> None:
    assert choose_expert(candidates, opening_tenant_id=OPENING) is None


def test_choice_does_not_depend_on_the_order_candidates_arrive_in() -> None:
    pool = [
        expert(1, open_tickets=1),
        expert(2, open_tickets=1, tenant_id=OTHER),
        expert(3, open_tickets=1, last_assigned_at=TUESDAY),
        expert(4, open_tickets=1),
    ]
    decisions = {choose_expert(order, opening_tenant_id=OPENING) for order in permutations(pool)}
    reason = (
        "designated on service; same school; least recently assigned; full tie: lowest user id"
    )
    assert decisions == {RoutingDecision(1, "expert1", L.SERVICE, reason)}


def test_rules_state_the_precedence_an_admin_can_check_decisions_against() -> None:
    first = RULES[0]
    assert first.index("sub-service") < first.index("service,") < first.index("brick")
    assert [rule.split(".")[0] for rule in RULES[:5]] == ["1", "2", "3", "4", "5"]
