"""Pure iTop rules: lifecycle planning, OQL quoting, which result codes are worth retrying."""

from __future__ import annotations

import pytest

from tenants.desks import DeskConfig, DeskError, DeskKind, EventKind
from tenants.desks.itop_client import ItopClient, oql_quote
from tenants.desks.itop_lifecycle import TRANSITIONS, Unreachable, plan
from tests.support import fake_itop_model

# Where each event leaves the local ticket when a plan exists.
TARGET = {
    EventKind.ASSIGNED: "assigned", EventKind.TAKEN: "assigned", EventKind.PENDING: "pending",
    EventKind.RESOLVED: "resolved", EventKind.CLOSED: "closed", EventKind.REOPENED: "assigned",
}


def test_connector_and_fake_transcribe_the_same_lifecycle() -> None:
    assert TRANSITIONS == fake_itop_model.LIFECYCLE


@pytest.mark.parametrize("status", list(TRANSITIONS))
@pytest.mark.parametrize("kind", [k for k in EventKind if k is not EventKind.OPENED])
def test_every_plan_follows_the_lifecycle_to_its_target(kind: EventKind, status: str) -> None:
    try:
        steps = plan(kind, status)
    except Unreachable:
        assert status in ("closed", "waiting_for_approval", "rejected")
        return
    state = status
    for stimulus in steps:
        state = TRANSITIONS[state][stimulus]
    if steps and kind in TARGET:
        assert state == TARGET[kind]


@pytest.mark.parametrize(
    ("kind", "status", "steps"),
    [
        (EventKind.ASSIGNED, "new", ["ev_assign"]),
        (EventKind.ASSIGNED, "assigned", ["ev_reassign"]),
        (EventKind.ANSWERED, "pending", ["ev_assign"]),
        (EventKind.RESOLVED, "pending", ["ev_autoresolve"]),
        (EventKind.RESOLVED, "escalated_ttr", ["ev_resolve"]),
        (EventKind.CLOSED, "assigned", ["ev_resolve", "ev_close"]),
        (EventKind.REOPENED, "resolved", ["ev_reopen"]),
        (EventKind.RESOLVED, "closed", []),
        (EventKind.COMMENTED, "closed", []),
    ],
)
def test_plans(kind: EventKind, status: str, steps: list[str]) -> None:
    assert plan(kind, status) == steps


def test_oql_literals_escape_quotes_and_backslashes() -> None:
    quoted = oql_quote("[GRP-1] O'Brien \\ co")
    assert quoted == "'[GRP-1] O\\'Brien \\\\ co'"
    _, conds = fake_itop_model.parse_oql(f"SELECT UserRequest WHERE title LIKE {quoted}")
    assert conds == [("title", "LIKE", "[GRP-1] O'Brien \\ co")]


@pytest.mark.parametrize(
    ("answer", "retryable"),
    [
        ({"code": 100, "message": "Error: SQLSTATE[40001]: Deadlock found when trying to get lock"}, True),
        ({"code": 100, "message": "Error: MySQL server has gone away"}, True),
        ({"code": 100, "message": "Error: foo: Unknown attribute"}, False),
        ({"code": 1, "message": "Error: Invalid login"}, False),
        ({"code": 11, "message": "Unknown verb 'core/nope' in version '1.3'"}, False),
    ],
)
def test_only_transient_internal_errors_are_retryable(answer: dict[str, object], retryable: bool) -> None:
    client = ItopClient(DeskConfig(DeskKind.ITOP, "http://itop.invalid", {"token": "t"}, {}), None)
    with pytest.raises(DeskError) as caught:
        client._raise_for_code(answer)
    assert caught.value.retryable is retryable
    assert not caught.value.message.endswith("Error: ") and "Error: " not in caught.value.message
