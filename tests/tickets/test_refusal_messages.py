"""Refusals say what the caller asked for and what is missing, in terms the caller can act on."""

from __future__ import annotations

from tests.tickets.helpers import (
    ACCOUNT_CREATION,
    ACCOUNT_REQUEST,
    ADMIN,
    ANSWER,
    LYON_AGENT,
    OPERATIONS,
    RESOLVE,
    ROUEN_EXPERT,
    START,
    open_via_api,
)


async def test_answering_a_ticket_that_asks_nothing_names_answer_ticket(gql) -> None:
    ticket = await open_via_api(gql, LYON_AGENT, ACCOUNT_CREATION, ACCOUNT_REQUEST)
    refused = (await gql(ANSWER, {"input": {"id": ticket["id"], "version": ticket["version"],
                                            "message": "Here it is."}}, as_user=LYON_AGENT))["answerTicket"]
    assert refused["__typename"] == "ActionNotAllowed"
    assert refused["action"] == "ANSWER" and refused["state"] == "ASSIGNED"
    assert refused["message"].startswith("answerTicket (ANSWER) is not allowed on a ticket in state ASSIGNED")
    assert "waits on the school (PENDING)" in refused["message"]
    assert "RESUME" not in refused["message"].split(";")[0]


async def test_a_version_ahead_of_the_ticket_is_not_called_a_change(gql) -> None:
    ticket = await open_via_api(gql, LYON_AGENT, ACCOUNT_CREATION, ACCOUNT_REQUEST)
    ahead = (await gql(START, {"input": {"id": ticket["id"], "version": 3}},
                       as_user=ROUEN_EXPERT))["startTicket"]
    assert ahead["__typename"] == "Conflict" and ahead["currentVersion"] == 1
    assert "changed since" not in ahead["message"]
    assert "at version 1; version 3 was sent, which it has never reached" in ahead["message"]
    assert "send version 1" in ahead["message"]
    behind = (await gql(START, {"input": {"id": ticket["id"], "version": 1}}, as_user=ROUEN_EXPERT))
    assert behind["startTicket"]["state"] == "IN_PROGRESS"
    stale = (await gql(RESOLVE, {"input": {"id": ticket["id"], "version": 1, "solution": "Done."}},
                       as_user=ROUEN_EXPERT))["resolveTicket"]
    assert "changed since version 1 (now at version 2)" in stale["message"]


async def test_operations_naming_a_tenant_that_is_not_a_school_is_told_what_to_give(gql) -> None:
    tenants = (await gql("{ tenants { id slug } }", as_user=ADMIN))["tenants"]
    own = next(t["id"] for t in tenants if t["slug"] == "operations")
    refused = await open_via_api(gql, OPERATIONS, ACCOUNT_CREATION, ACCOUNT_REQUEST, onBehalfOf=own)
    assert refused["__typename"] == "PermissionDenied"
    assert "onBehalfOf" in refused["message"] and "not a school" in refused["message"]
    assert "Centre d'opérations" in refused["message"]


async def test_a_caller_without_a_support_role_is_told_which_role_opens_tickets(gql) -> None:
    refused = await open_via_api(gql, ADMIN, ACCOUNT_CREATION, ACCOUNT_REQUEST)
    assert refused["__typename"] == "PermissionDenied"
    assert "school-agent or school-manager" in refused["message"]
