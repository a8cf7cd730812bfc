"""Sub-services that need approval: a manager of the opening school decides, then routing."""

from __future__ import annotations

from tests.tickets.helpers import (
    ADMIN,
    APPROVE,
    COMMENT,
    LYON_AGENT,
    LYON_MANAGER,
    OPERATIONS,
    READ,
    nodes,
    REJECT,
    RENNES_MANAGER,
    ROLE_CHANGE,
    ROUEN_EXPERT,
    START,
    open_via_api,
)

ROLE_REQUEST = {"account_email": "lead@insa-lyon.example.org", "platform": "scenari-pedagogie",
                "new_role": "publisher"}


async def _waiting(gql) -> dict:
    ticket = await open_via_api(gql, LYON_AGENT, ROLE_CHANGE, ROLE_REQUEST)
    assert ticket["state"] == "WAITING_FOR_APPROVAL" and ticket["assignee"] is None
    return ticket


async def test_manager_approves_and_the_ticket_is_routed(gql) -> None:
    ticket = await _waiting(gql)
    manager_view = (await gql(READ, {"id": ticket["id"]}, as_user=LYON_MANAGER))["ticket"]
    assert manager_view["allowedActions"] == ["APPROVE", "REJECT"]
    approved = (await gql(APPROVE, {"input": {"id": ticket["id"], "version": 1}},
                          as_user=LYON_MANAGER))["approveTicket"]
    assert approved["state"] == "ASSIGNED" and approved["assignee"] == {"username": ROUEN_EXPERT}
    assert approved["version"] == 2
    history = nodes((await gql(READ, {"id": ticket["id"]}, as_user=ADMIN))["ticket"]["history"])
    assert [(e["kind"], e["data"].get("to")) for e in history] == [
        ("OPENED", None), ("APPROVED", "APPROVED"), ("ROUTED", "ASSIGNED")]
    assert history[1]["actor"] == {"username": LYON_MANAGER}


async def test_agents_operations_experts_and_other_schools_cannot_approve(gql) -> None:
    ticket = await _waiting(gql)
    for user, typename in ((LYON_AGENT, "ActionNotAllowed"), (OPERATIONS, "ActionNotAllowed"),
                           (ROUEN_EXPERT, "ActionNotAllowed"),
                           ("hortense.malouvier", "NotFound"), (RENNES_MANAGER, "NotFound")):
        result = (await gql(APPROVE, {"input": {"id": ticket["id"], "version": 1}},
                            as_user=user))["approveTicket"]
        assert result["__typename"] == typename, (user, result)
    refused = (await gql(APPROVE, {"input": {"id": ticket["id"], "version": 1}},
                         as_user=LYON_AGENT))["approveTicket"]
    assert refused["state"] == "WAITING_FOR_APPROVAL" and refused["allowedActions"] == []
    # Nobody works a ticket before it is approved.
    early = (await gql(START, {"input": {"id": ticket["id"], "version": 1}},
                       as_user=ADMIN))["startTicket"]
    assert early["__typename"] == "ActionNotAllowed"
    assert early["allowedActions"] == ["APPROVE", "REJECT"]


async def test_rejection_needs_a_reason_and_ends_the_ticket(gql) -> None:
    ticket = await _waiting(gql)
    blank = (await gql(REJECT, {"input": {"id": ticket["id"], "version": 1, "reason": " "}},
                       as_user=LYON_MANAGER))["rejectTicket"]
    assert blank["__typename"] == "ValidationFailed"
    assert [f["field"] for f in blank["fields"]] == ["reason"]
    rejected = (await gql(REJECT, {"input": {"id": ticket["id"], "version": 1,
                                             "reason": "Publisher rights go to leads only"}},
                          as_user=LYON_MANAGER))["rejectTicket"]
    assert rejected["state"] == "REJECTED" and rejected["allowedActions"] == []
    after = (await gql(COMMENT, {"input": {"ticketId": ticket["id"], "body": "why?"}},
                       as_user=LYON_AGENT))["addComment"]
    assert after["__typename"] == "ActionNotAllowed" and after["action"] == "COMMENT"
    history = nodes((await gql(READ, {"id": ticket["id"]}, as_user=LYON_AGENT))["ticket"]["history"])
    assert history[-1]["kind"] == "REJECTED"
    assert history[-1]["data"]["reason"] == "Publisher rights go to leads only"


async def test_group_admin_may_approve_too(gql) -> None:
    ticket = await _waiting(gql)
    approved = (await gql(APPROVE, {"input": {"id": ticket["id"], "version": 1}},
                          as_user=ADMIN))["approveTicket"]
    assert approved["state"] == "ASSIGNED"
