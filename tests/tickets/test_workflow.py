"""The ticket state machine: every rule of the table, refusals, required input, auto-close."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from server.errors import ActionNotAllowed, ValidationFailed
from server.tickets.workflow import (
    OPEN_STATES,
    QUEUED_STATES,
    TERMINAL_STATES,
    TRANSITIONS,
    Action,
    Actor,
    TicketState,
    allowed_actions,
    auto_close_due,
    describe_rules,
    transition,
)
from tenants.context import Principal, Role, TenantKind

S = TicketState
A = Action

# One representative caller per kind of relation to the ticket.
ACTORS: dict[str, Actor] = {
    "group admin": Actor(roles=frozenset({Role.GROUP_ADMIN})),
    "designated expert": Actor(roles=frozenset({Role.EXPERT}), is_designated_expert=True),
    "assignee": Actor(roles=frozenset({Role.EXPERT}), is_assignee=True, is_designated_expert=True),
    "expert of another brick": Actor(roles=frozenset({Role.EXPERT})),
    "school agent": Actor(roles=frozenset({Role.SCHOOL_AGENT}), in_opening_school=True),
    "school manager": Actor(roles=frozenset({Role.SCHOOL_MANAGER}), in_opening_school=True),
    "desk integration": Actor(roles=frozenset({Role.DESK_INTEGRATION}), in_opening_school=True),
    "operations": Actor(roles=frozenset({Role.OPERATIONS})),
    "agent of another school": Actor(roles=frozenset({Role.SCHOOL_AGENT})),
    "manager of another school": Actor(roles=frozenset({Role.SCHOOL_MANAGER})),
    "system": Actor.system(),
}

SCHOOL = ("school agent", "school manager", "desk integration", "operations")

# The table written out by hand, independently of the module: (state, action) -> (target, callers).
EXPECTED: dict[tuple[TicketState, Action], tuple[TicketState, tuple[str, ...]]] = {
    (S.NEW, A.ASSIGN): (S.ASSIGNED, ("group admin", "system")),
    (S.NEW, A.TAKE): (S.ASSIGNED, ("designated expert", "assignee")),
    (S.APPROVED, A.ASSIGN): (S.ASSIGNED, ("group admin", "system")),
    (S.APPROVED, A.TAKE): (S.ASSIGNED, ("designated expert", "assignee")),
    (S.WAITING_FOR_APPROVAL, A.APPROVE): (S.APPROVED, ("school manager", "group admin")),
    (S.WAITING_FOR_APPROVAL, A.REJECT): (S.REJECTED, ("school manager", "group admin")),
    (S.ASSIGNED, A.START): (S.IN_PROGRESS, ("assignee",)),
    (S.ASSIGNED, A.ASSIGN): (S.ASSIGNED, ("group admin",)),
    (S.IN_PROGRESS, A.ASSIGN): (S.ASSIGNED, ("group admin",)),
    (S.PENDING, A.ASSIGN): (S.PENDING, ("group admin",)),
    (S.IN_PROGRESS, A.HOLD): (S.PENDING, ("assignee",)),
    (S.PENDING, A.RESUME): (S.IN_PROGRESS, (*SCHOOL, "assignee")),
    (S.ASSIGNED, A.RESOLVE): (S.RESOLVED, ("assignee", "group admin")),
    (S.IN_PROGRESS, A.RESOLVE): (S.RESOLVED, ("assignee", "group admin")),
    (S.PENDING, A.RESOLVE): (S.RESOLVED, ("assignee", "group admin")),
    (S.RESOLVED, A.REOPEN): (S.IN_PROGRESS, (*SCHOOL, "assignee", "group admin")),
    (S.RESOLVED, A.CLOSE): (S.CLOSED, (*SCHOOL, "group admin", "system")),
}

ALLOWED_CASES = [
    pytest.param(state, action, who, target, id=f"{state}-{action}-{who}")
    for (state, action), (target, callers) in EXPECTED.items()
    for who in callers
]


def expected_allowed(state: TicketState, who: str) -> list[str]:
    """The actions the hand-written table grants `who` in `state`, sorted by name."""
    granted = (a for (s, a), (_, callers) in EXPECTED.items() if s == state and who in callers)
    return sorted(a.value for a in granted)


@pytest.mark.parametrize(("state", "action", "who", "target"), ALLOWED_CASES)
def test_each_rule_of_the_table_moves_the_ticket_to_its_target(
    state: TicketState, action: Action, who: str, target: TicketState
) -> None:
    actor = ACTORS[who]
    after = transition(state, action, actor, reason="waiting for logs", solution="quota raised")
    assert after is target


@pytest.mark.parametrize("state", list(TicketState))
@pytest.mark.parametrize("who", list(ACTORS))
def test_allowed_actions_are_exactly_those_the_table_grants(state: TicketState, who: str) -> None:
    assert [a.value for a in allowed_actions(state, ACTORS[who])] == expected_allowed(state, who)


@pytest.mark.parametrize("state", list(TicketState))
@pytest.mark.parametrize("who", list(ACTORS))
def test_every_action_outside_the_table_is_refused_with_the_allowed_list(
    state: TicketState, who: str
) -> None:
    granted = expected_allowed(state, who)
    for action in Action:
        if action.value in granted:
            continue
        with pytest.raises(ActionNotAllowed) as refused:
            transition(state, action, ACTORS[who], reason="r", solution="s")
        assert (refused.value.action, refused.value.state) == (action.value, state.value)
        assert refused.value.allowed == granted


def test_refusal_message_names_the_actions_allowed_now() -> None:
    with pytest.raises(ActionNotAllowed) as refused:
        transition(S.IN_PROGRESS, A.CLOSE, ACTORS["assignee"])
    assert refused.value.allowed == ["HOLD", "RESOLVE"]
    assert str(refused.value) == (
        "CLOSE is not allowed on a ticket in state IN_PROGRESS; allowed now: HOLD, RESOLVE"
    )


def test_caller_with_no_right_is_told_that_nothing_is_allowed() -> None:
    with pytest.raises(ActionNotAllowed) as refused:
        transition(S.ASSIGNED, A.START, ACTORS["agent of another school"])
    assert refused.value.allowed == []
    assert str(refused.value).endswith("allowed now: none")


def test_allowed_actions_are_sorted_by_name() -> None:
    both = Actor(roles=frozenset({Role.GROUP_ADMIN}), is_assignee=True)
    assert allowed_actions(S.IN_PROGRESS, both) == [A.ASSIGN, A.HOLD, A.RESOLVE]


@pytest.mark.parametrize("state", sorted(TERMINAL_STATES))
def test_terminal_ticket_allows_nothing_even_to_a_group_admin(state: TicketState) -> None:
    everything = Actor(
        roles=frozenset(Role), is_assignee=True, is_designated_expert=True, in_opening_school=True
    )
    assert allowed_actions(state, everything) == []
    assert allowed_actions(state, Actor.system()) == []


def test_operations_answers_for_any_school() -> None:
    elsewhere = Actor(roles=frozenset({Role.OPERATIONS}), in_opening_school=False)
    assert transition(S.PENDING, A.RESUME, elsewhere) is S.IN_PROGRESS


def test_operations_cannot_approve_for_a_school() -> None:
    with pytest.raises(ActionNotAllowed):
        transition(S.WAITING_FOR_APPROVAL, A.APPROVE, ACTORS["operations"])


def test_designated_expert_cannot_take_a_colleagues_ticket() -> None:
    with pytest.raises(ActionNotAllowed) as refused:
        transition(S.ASSIGNED, A.TAKE, ACTORS["designated expert"])
    assert refused.value.allowed == []


@pytest.mark.parametrize(
    ("state", "action", "who", "field", "message"),
    [
        (S.IN_PROGRESS, A.HOLD, "assignee", "reason", "required to put a ticket on hold"),
        (
            S.WAITING_FOR_APPROVAL,
            A.REJECT,
            "school manager",
            "reason",
            "required to reject a ticket",
        ),
        (S.IN_PROGRESS, A.RESOLVE, "assignee", "solution", "required to resolve a ticket"),
    ],
)
@pytest.mark.parametrize("missing", [None, "", "  \n\t"])
def test_action_without_its_required_text_names_the_missing_field(
    state: TicketState, action: Action, who: str, field: str, message: str, missing: str | None
) -> None:
    with pytest.raises(ValidationFailed) as invalid:
        transition(state, action, ACTORS[who], **{field: missing})
    assert [(e.field, e.message) for e in invalid.value.errors] == [(field, message)]


def test_reason_does_not_stand_in_for_a_solution() -> None:
    with pytest.raises(ValidationFailed) as invalid:
        transition(S.IN_PROGRESS, A.RESOLVE, ACTORS["assignee"], reason="fixed it")
    assert [e.field for e in invalid.value.errors] == ["solution"]


def test_refused_caller_gets_the_refusal_before_any_input_error() -> None:
    with pytest.raises(ActionNotAllowed):
        transition(S.IN_PROGRESS, A.HOLD, ACTORS["school agent"], reason=None)


def test_whole_life_of_a_ticket_that_needs_approval() -> None:
    agent, manager, expert = ACTORS["school agent"], ACTORS["school manager"], ACTORS["assignee"]
    state = S.WAITING_FOR_APPROVAL
    state = transition(state, A.APPROVE, manager)
    assert state is S.APPROVED
    state = transition(state, A.ASSIGN, Actor.system())
    assert state is S.ASSIGNED
    state = transition(state, A.START, expert)
    state = transition(state, A.HOLD, expert, reason="which course?")
    assert state is S.PENDING
    state = transition(state, A.RESUME, agent)
    state = transition(state, A.RESOLVE, expert, solution="course restored")
    assert state is S.RESOLVED
    state = transition(state, A.REOPEN, agent)
    assert state is S.IN_PROGRESS
    state = transition(state, A.RESOLVE, expert, solution="grades restored too")
    assert transition(state, A.CLOSE, Actor.system()) is S.CLOSED


def test_open_load_counts_only_tickets_with_an_assignee_still_at_work() -> None:
    assert OPEN_STATES == {S.ASSIGNED, S.IN_PROGRESS, S.PENDING}
    assert QUEUED_STATES == {S.NEW, S.APPROVED}
    assert TERMINAL_STATES == {S.REJECTED, S.CLOSED}


def test_actor_of_a_principal_knows_whether_it_belongs_to_the_opening_school() -> None:
    principal = Principal(
        user_id=7,
        username="agent.rouen",
        tenant_id=3,
        tenant_slug="rouen",
        tenant_kind=TenantKind.SCHOOL,
        roles=frozenset({Role.SCHOOL_AGENT}),
    )
    home = Actor.of(principal, ticket_tenant_id=3, is_assignee=False, is_designated_expert=False)
    away = Actor.of(principal, ticket_tenant_id=4, is_assignee=False, is_designated_expert=False)
    assert home.in_opening_school and not away.in_opening_school
    assert allowed_actions(S.RESOLVED, home) == [A.CLOSE, A.REOPEN]
    assert allowed_actions(S.RESOLVED, away) == []


def test_rules_print_one_readable_line_per_transition() -> None:
    lines = describe_rules()
    assert len(lines) == len(TRANSITIONS)
    assert "HOLD: IN_PROGRESS -> PENDING, by the assignee; needs a reason" in lines
    assert (
        "CLOSE: RESOLVED -> CLOSED, by the opening school (or operations), "
        "a group admin or the system" in lines
    )
    assert {line.split(":")[0] for line in lines} == {a.value for a in Action}


RESOLVED_AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("elapsed", "due"),
    [
        (timedelta(days=7) - timedelta(seconds=1), False),
        (timedelta(days=7), True),
        (timedelta(days=30), True),
    ],
)
def test_resolved_ticket_closes_itself_after_the_configured_days(
    elapsed: timedelta, due: bool
) -> None:
    assert auto_close_due(S.RESOLVED, RESOLVED_AT, RESOLVED_AT + elapsed, after_days=7) is due


@pytest.mark.parametrize("state", [s for s in TicketState if s is not S.RESOLVED])
def test_only_a_resolved_ticket_is_due_for_auto_close(state: TicketState) -> None:
    assert not auto_close_due(state, RESOLVED_AT, RESOLVED_AT + timedelta(days=90), after_days=7)


def test_negative_auto_close_delay_is_refused() -> None:
    with pytest.raises(ValueError, match="after_days"):
        auto_close_due(S.RESOLVED, RESOLVED_AT, RESOLVED_AT, after_days=-1)
