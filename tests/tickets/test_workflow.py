"""The ticket state machine: every rule of the table, refusals, required input, auto-close."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from server.errors import ActionNotAllowed, ValidationFailed
from server.tickets.workflow import (
    OPEN_STATES,
    QUEUED_STATES,
    TERMINAL_STATES,
    SYSTEM,
    TRANSITIONS,
    Action,
    TicketState,
    allowed_actions,
    auto_close_due,
    describe_rules,
    transition,
)
from tenants import policy
from tenants.context import Designation, Principal, Role, TenantKind, TicketFacts, TicketPlace
from tenants.policy import Party

S = TicketState
A = Action
LYON, RENNES, GROUP, OPS = 1, 2, 8, 9
SCENARI, ACCOUNTS, CREATION, PUBLISHING, MOODLE = 10, 11, 12, 13, 20
# The ticket every caller below is described against: Lyon's, on Scenari > Accounts > Creation.
TICKET = TicketFacts(tenant_id=LYON, place=TicketPlace(SCENARI, ACCOUNTS, CREATION))
ME = 7


def on_ticket(*roles: Role, tenant: int = LYON, kind: TenantKind = TenantKind.SCHOOL,
              designations: tuple[Designation, ...] = (), assigned: bool = False) -> frozenset[Party]:
    """The parties the policy says such a caller plays on TICKET."""
    caller = Principal(user_id=ME, username="someone", tenant_id=tenant, tenant_slug="t",
                       tenant_kind=kind, roles=frozenset(roles), designations=frozenset(designations))
    facts = TicketFacts(TICKET.tenant_id, TICKET.place, assignee_id=ME if assigned else None)
    return policy.parties(caller, facts)


# One representative caller per kind of relation to the ticket.
ACTORS: dict[str, frozenset[Party]] = {
    "group admin": on_ticket(Role.GROUP_ADMIN, tenant=GROUP, kind=TenantKind.GROUP),
    "designated expert": on_ticket(Role.EXPERT, tenant=RENNES, designations=(Designation(SCENARI),)),
    "assignee": on_ticket(Role.EXPERT, tenant=RENNES, assigned=True,
                          designations=(Designation(SCENARI, ACCOUNTS),)),
    "expert of another brick": on_ticket(Role.EXPERT, designations=(Designation(MOODLE),)),
    "expert of another service": on_ticket(Role.EXPERT, designations=(
        Designation(SCENARI, PUBLISHING), Designation(SCENARI, PUBLISHING, 14))),
    "school agent": on_ticket(Role.SCHOOL_AGENT),
    "school manager": on_ticket(Role.SCHOOL_MANAGER),
    "desk integration": on_ticket(Role.DESK_INTEGRATION),
    "operations": on_ticket(Role.OPERATIONS, tenant=OPS, kind=TenantKind.OPERATIONS),
    "agent of another school": on_ticket(Role.SCHOOL_AGENT, tenant=RENNES),
    "manager of another school": on_ticket(Role.SCHOOL_MANAGER, tenant=RENNES),
    # A group-admin role held in a school, and a designation without the expert role, grant nothing.
    "group-admin role at a school": on_ticket(Role.GROUP_ADMIN, tenant=RENNES),
    "designation without the expert role": on_ticket(Role.SCHOOL_AGENT, tenant=RENNES,
                                                     designations=(Designation(SCENARI),)),
    "system": SYSTEM,
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


def test_a_refusal_says_whether_the_state_or_the_role_forbids() -> None:
    with pytest.raises(ActionNotAllowed) as by_state:
        transition(S.IN_PROGRESS, A.CLOSE, ACTORS["assignee"])
    assert by_state.value.reason == ActionNotAllowed.STATE
    with pytest.raises(ActionNotAllowed) as by_role:
        transition(S.ASSIGNED, A.START, ACTORS["agent of another school"])
    assert by_role.value.reason == ActionNotAllowed.ROLE
    assert str(by_role.value) == ("START on a ticket in state ASSIGNED is for the assignee, not for your "
                                  "role; allowed now: none")


def test_caller_with_no_right_is_told_that_nothing_is_allowed() -> None:
    with pytest.raises(ActionNotAllowed) as refused:
        transition(S.ASSIGNED, A.START, ACTORS["agent of another school"])
    assert refused.value.allowed == []
    assert str(refused.value).endswith("allowed now: none")


def test_allowed_actions_are_sorted_by_name() -> None:
    both = on_ticket(Role.GROUP_ADMIN, tenant=GROUP, kind=TenantKind.GROUP, assigned=True)
    assert allowed_actions(S.IN_PROGRESS, both) == [A.ASSIGN, A.HOLD, A.RESOLVE]


@pytest.mark.parametrize("state", sorted(TERMINAL_STATES))
def test_terminal_ticket_allows_nothing_even_to_a_group_admin(state: TicketState) -> None:
    everything = frozenset(Party)
    assert allowed_actions(state, everything) == []
    assert allowed_actions(state, SYSTEM) == []


def test_operations_answers_for_any_school() -> None:
    assert transition(S.PENDING, A.RESUME, ACTORS["operations"]) is S.IN_PROGRESS


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
    state = transition(state, A.ASSIGN, SYSTEM)
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
    assert transition(state, A.CLOSE, SYSTEM) is S.CLOSED


def test_open_load_counts_only_tickets_with_an_assignee_still_at_work() -> None:
    assert OPEN_STATES == {S.ASSIGNED, S.IN_PROGRESS, S.PENDING}
    assert QUEUED_STATES == {S.NEW, S.APPROVED}
    assert TERMINAL_STATES == {S.REJECTED, S.CLOSED}


def test_the_parties_of_a_principal_know_whether_it_belongs_to_the_opening_school() -> None:
    home, away = on_ticket(Role.SCHOOL_AGENT), on_ticket(Role.SCHOOL_AGENT, tenant=RENNES)
    assert Party.OPENING_SCHOOL in home and Party.OPENING_SCHOOL not in away
    assert allowed_actions(S.RESOLVED, home) == [A.CLOSE, A.REOPEN]
    assert allowed_actions(S.RESOLVED, away) == []


def test_rules_print_one_readable_line_per_transition() -> None:
    lines = describe_rules()
    assert len(lines) == len(TRANSITIONS)
    assert "HOLD: IN_PROGRESS -> PENDING, by the assignee; needs a reason" in lines
    assert (
        "CLOSE: RESOLVED -> CLOSED, by the opening school, the operations centre, "
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
