"""People who leave hand their open tickets back: routing again, with the reason, or the brick's queue."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.audit.models import AuditEvent
from tests.scim.conftest import ScimClient, scim_token_for
from tests.tickets.helpers import (
    ACCOUNT_CREATION,
    ACCOUNT_REQUEST,
    ADMIN,
    LYON_AGENT,
    LYON_EXPERT,
    ROUEN_EXPERT,
    gid,
    open_via_api,
    user_id,
)

READ = """query($id: ID!) { ticket(id: $id) { state version assignee { username }
  history(first: 50) { edges { node { kind data } } } } }"""
DEACTIVATE = "mutation($id: ID!) { deactivateUser(id: $id) { __typename } }"
EXPERTS = '{ experts(brickCode: "scenari") { active user { username } } }'


async def _ticket(gql: Any, ticket_id: str) -> dict[str, Any]:
    return (await gql(READ, {"id": ticket_id}, as_user=ADMIN))["ticket"]


def _last_routing(ticket: dict[str, Any]) -> dict[str, Any]:
    return [e["node"]["data"] for e in ticket["history"]["edges"] if e["node"]["kind"] == "ROUTED"][-1]


@pytest.mark.parametrize("how", ["delete", "disable"])
async def test_a_deprovisioned_expert_ticket_is_rerouted_with_the_reason(
        gql: Any, client: httpx.AsyncClient, session: AsyncSession, how: str) -> None:
    ticket = await open_via_api(gql, LYON_AGENT, ACCOUNT_CREATION, ACCOUNT_REQUEST)
    assert ticket["assignee"]["username"] == ROUEN_EXPERT
    rouen = ScimClient(client, await scim_token_for(session, "insa-rouen"))
    await session.commit()
    ismael = await user_id(session, ROUEN_EXPERT)

    if how == "delete":
        response = await rouen.delete(f"Users/{ismael}")
    else:
        response = await rouen.patch(f"Users/{ismael}", {"op": "replace", "path": "active", "value": False})
    assert response.status_code in (200, 204), response.text

    after = await _ticket(gql, ticket["id"])
    assert after["state"] == "ASSIGNED" and after["assignee"] == {"username": LYON_EXPERT}
    routed = _last_routing(after)
    verb = "deleted" if how == "delete" else "disabled"
    assert routed["reason"].startswith(f"{ROUEN_EXPERT} was {verb} by insa-rouen's SCIM provider; ")
    assert routed["previous_assignee_id"] == ismael and routed["assignee"] == LYON_EXPERT
    experts = (await gql(EXPERTS, as_user=ADMIN))["experts"]
    assert {e["user"]["username"]: e["active"] for e in experts}[ROUEN_EXPERT] is False
    actions = set(await session.scalars(select(AuditEvent.action).where(AuditEvent.action.startswith("scim."))))
    # A deleted user also loses what groups could grant (the expert role).
    assert actions == ({"scim.user.deleted", "scim.user.roles_set"} if how == "delete" else {"scim.user.updated"})


async def test_a_deactivated_expert_ticket_waits_in_the_queue_when_nobody_else_covers_it(
        gql: Any, session: AsyncSession) -> None:
    celeste = gid("User", await user_id(session, LYON_EXPERT))
    assert (await gql(DEACTIVATE, {"id": celeste}, as_user=ADMIN))["deactivateUser"]["__typename"] == "User"
    ticket = await open_via_api(gql, LYON_AGENT, ACCOUNT_CREATION, ACCOUNT_REQUEST)
    assert ticket["assignee"]["username"] == ROUEN_EXPERT

    ismael = gid("User", await user_id(session, ROUEN_EXPERT))
    assert (await gql(DEACTIVATE, {"id": ismael}, as_user=ADMIN))["deactivateUser"]["__typename"] == "User"

    after = await _ticket(gql, ticket["id"])
    assert after["state"] == "NEW" and after["assignee"] is None
    routed = _last_routing(after)
    assert routed["reason"] == (f"{ROUEN_EXPERT} was deactivated by a group administrator; "
                                "no designated expert: waiting in the brick's queue")
    assert routed["previous_state"] == "ASSIGNED"


async def test_scim_provisioning_errors_are_in_the_tenant_audit_trail_with_the_request_id(
        gql: Any, client: httpx.AsyncClient, session: AsyncSession) -> None:
    rouen = ScimClient(client, await scim_token_for(session, "insa-rouen"))
    await session.commit()
    # The userName belongs to a Lyon user: refused, and nothing of the request is kept but the error.
    response = await rouen.post("Users", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                                          "userName": "amandine.roclerc", "active": True})
    assert response.status_code == 409

    trail = (await gql("""{ auditEvents(filter: {action: "scim.error"}, first: 5) { edges { node {
      tenant { slug } credential changes requestId } } } }""", as_user=ADMIN))["auditEvents"]["edges"]
    assert len(trail) == 1
    entry = trail[0]["node"]
    assert entry["tenant"] == {"slug": "insa-rouen"} and entry["credential"] == "SCIM_TOKEN"
    assert entry["changes"]["status"] == 409 and "already taken" in entry["changes"]["detail"]
    assert entry["requestId"] == response.headers["x-request-id"]


async def test_roles_a_school_provider_grants_through_groups_are_audited(
        gql: Any, client: httpx.AsyncClient, session: AsyncSession) -> None:
    lyon = ScimClient(client, await scim_token_for(session, "insa-lyon"))
    await session.commit()
    user = await lyon.create_user("new.manager@insa-lyon.example.org")
    await lyon.create_group("groupdesk-school-manager", user["id"])

    trail = (await gql("""{ auditEvents(filter: {action: "scim.user.roles_set"}, first: 5) { edges { node {
      tenant { slug } credential changes } } } }""", as_user=ADMIN))["auditEvents"]["edges"]
    assert [e["node"]["changes"]["roles"] for e in trail] == [{"from": [], "to": ["school-manager"]}]
    assert trail[0]["node"]["tenant"] == {"slug": "insa-lyon"} and trail[0]["node"]["credential"] == "SCIM_TOKEN"
