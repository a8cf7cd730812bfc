"""A sub-service names its approvers and the cost above which a second approver must agree."""

from __future__ import annotations

from typing import Any

from tests.tickets.helpers import (
    ADMIN,
    LYON_AGENT,
    LYON_MANAGER,
    ROLE_CHANGE,
    ROUEN_EXPERT,
    open_via_api,
    sub_service_gid,
)

ROLE_REQUEST = {"account_email": "lead@insa-lyon.example.org", "platform": "scenari-pedagogie",
                "new_role": "publisher"}
FORM = "query($id: ID!) { subService(id: $id) { form } }"
UPDATE = """mutation($input: UpdateSubServiceInput!) { updateSubService(input: $input) { __typename
  ... on SubService { costField secondApprovalAbove approvers { kind role usernames } }
  ... on ValidationFailed { fields { field message } } ... on Problem { message } } }"""
APPROVE = """mutation($input: ApproveTicketInput!) { approveTicket(input: $input) { __typename
  ... on Ticket { state version assignee { username } }
  ... on ActionNotAllowed { reason message allowedActions } ... on Problem { message } } }"""
REQUEST = """query($id: ID!) { ticket(id: $id) { state approvalRequest { approvers cost costField
  approvalsNeeded secondApprovalAbove decisions { approver { username } decision comment } } } }"""


async def _costed(gql: Any, **settings: Any) -> str:
    """Role change gets a cost field (`budget`), second approval above 1000, and `settings`."""
    sub = await sub_service_gid(gql, ROLE_CHANGE)
    form = (await gql(FORM, {"id": sub}, as_user=ADMIN))["subService"]["form"]
    form["properties"]["budget"] = {"title": "Budget (EUR)", "type": "number"}
    updated = (await gql(UPDATE, {"input": {"id": sub, "form": form, "costField": "budget",
                                            "secondApprovalAbove": 1000, **settings}},
                         as_user=ADMIN))["updateSubService"]
    assert updated["__typename"] == "SubService", updated
    return sub


async def _approve(gql: Any, ticket: dict[str, Any], user: str, version: int,
                   comment: str | None = None) -> dict[str, Any]:
    return (await gql(APPROVE, {"input": {"id": ticket["id"], "version": version, "comment": comment}},
                      as_user=user))["approveTicket"]


async def test_an_approval_above_the_cost_needs_a_second_approver(gql: Any) -> None:
    await _costed(gql)
    ticket = await open_via_api(gql, LYON_AGENT, ROLE_CHANGE, {**ROLE_REQUEST, "budget": 4500})

    first = await _approve(gql, ticket, LYON_MANAGER, 1, comment="Within the faculty's budget")
    assert first["state"] == "WAITING_FOR_APPROVAL" and first["assignee"] is None
    twice = await _approve(gql, ticket, LYON_MANAGER, first["version"])
    assert twice["__typename"] == "ActionNotAllowed" and twice["reason"] == "ROLE"
    assert "a second approver" in twice["message"]

    second = await _approve(gql, ticket, ADMIN, first["version"], comment="Agreed")
    assert second["state"] == "ASSIGNED" and second["assignee"] == {"username": ROUEN_EXPERT}
    request = (await gql(REQUEST, {"id": ticket["id"]}, as_user=ADMIN))["ticket"]["approvalRequest"]
    assert request["cost"] == 4500 and request["costField"] == "budget" and request["approvalsNeeded"] == 2
    assert request["decisions"] == [
        {"approver": {"username": LYON_MANAGER}, "decision": "APPROVED", "comment": "Within the faculty's budget"},
        {"approver": {"username": ADMIN}, "decision": "APPROVED", "comment": "Agreed"}]


async def test_an_approval_within_the_cost_needs_one_approver(gql: Any) -> None:
    await _costed(gql)
    ticket = await open_via_api(gql, LYON_AGENT, ROLE_CHANGE, {**ROLE_REQUEST, "budget": 800})

    approved = await _approve(gql, ticket, LYON_MANAGER, 1)

    assert approved["state"] == "ASSIGNED"


async def test_named_approvers_replace_the_school_managers(gql: Any) -> None:
    sub = await _costed(gql, approvers={"kind": "USERS", "usernames": [LYON_AGENT]})
    shown = (await gql("query($id: ID!) { subService(id: $id) { approvers { kind usernames } } }",
                       {"id": sub}, as_user=LYON_AGENT))["subService"]["approvers"]
    assert shown == {"kind": "USERS", "usernames": [LYON_AGENT]}
    ticket = await open_via_api(gql, LYON_AGENT, ROLE_CHANGE, {**ROLE_REQUEST, "budget": 10})

    manager = await _approve(gql, ticket, LYON_MANAGER, 1)
    assert manager["__typename"] == "ActionNotAllowed" and manager["reason"] == "ROLE"
    assert (await _approve(gql, ticket, LYON_AGENT, 1))["state"] == "ASSIGNED"


async def test_the_refusal_says_whether_the_state_or_the_role_forbids(gql: Any) -> None:
    ticket = await open_via_api(gql, LYON_AGENT, ROLE_CHANGE, ROLE_REQUEST)

    agent = await _approve(gql, ticket, LYON_AGENT, 1)
    assert agent["__typename"] == "ActionNotAllowed" and agent["reason"] == "ROLE"
    assert "not for your role" in agent["message"]

    assert (await _approve(gql, ticket, LYON_MANAGER, 1))["state"] == "ASSIGNED"
    late = await _approve(gql, ticket, LYON_MANAGER, 2)
    assert late["__typename"] == "ActionNotAllowed" and late["reason"] == "STATE"
    assert late["message"].startswith("APPROVE is not allowed on a ticket in state ASSIGNED")


async def test_cost_settings_are_checked_against_the_form(gql: Any) -> None:
    sub = await sub_service_gid(gql, ROLE_CHANGE)
    refused = (await gql(UPDATE, {"input": {"id": sub, "costField": "new_role", "secondApprovalAbove": -1}},
                         as_user=ADMIN))["updateSubService"]
    assert refused["__typename"] == "ValidationFailed"
    assert {f["field"] for f in refused["fields"]} == {"costField", "secondApprovalAbove"}
    unknown = (await gql(UPDATE, {"input": {"id": sub, "approvers": {"kind": "USERS", "usernames": ["nobody.x"]}}},
                         as_user=ADMIN))["updateSubService"]
    assert unknown["fields"] == [{"field": "approvers.usernames", "message": "no active person named nobody.x"}]
