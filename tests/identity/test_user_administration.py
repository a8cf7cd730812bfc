"""Group administrators find users and administer them; every change is in the audit trail."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.audit.models import AuditEvent
from tests.tickets.helpers import ADMIN, LYON_AGENT, LYON_MANAGER, RENNES_MANAGER, gid, tenant_id, user_id

USERS = """query($filter: UserFilter) { users(filter: $filter, first: 50) {
  totalCount edges { node { id username active tenant { slug } roles } } } }"""
MOVE = """mutation($input: MoveUserInput!) { moveUser(input: $input) {
  __typename ... on User { username tenant { slug } roles }
  ... on Problem { message } ... on ValidationFailed { fields { field message } } } }"""
ROLES = """mutation($input: SetUserRolesInput!) { setUserRoles(input: $input) {
  __typename ... on User { roles } ... on ValidationFailed { fields { field message } }
  ... on Problem { message } } }"""
DEACTIVATE = """mutation($id: ID!) { deactivateUser(id: $id) { __typename ... on User { active }
  ... on Problem { message } } }"""
REACTIVATE = "mutation($id: ID!) { reactivateUser(id: $id) { __typename ... on User { active } } }"
AUDIT = """query($filter: AuditFilter) { auditEvents(filter: $filter, first: 50) { edges { node {
  action actorName credential targetKind targetId changes tenant { slug } actor { username } } } } }"""
VIEWER = "{ viewer { user { username } } }"


def _names(data: dict[str, Any]) -> list[str]:
    return [e["node"]["username"] for e in data["users"]["edges"]]


async def test_an_admin_finds_a_user_by_name_and_moves_them_and_the_move_is_audited(
        gql: Any, session: AsyncSession) -> None:
    found = await gql(USERS, {"filter": {"text": "GRANDCOURT"}}, as_user=ADMIN)
    assert _names(found) == ["ismael.grandcourtois"]
    ismael = found["users"]["edges"][0]["node"]
    assert ismael["tenant"] == {"slug": "insa-rouen"}

    moved = (await gql(MOVE, {"input": {"userId": ismael["id"], "tenantId": gid(
        "Tenant", await tenant_id(session, "insa-lyon"))}}, as_user=ADMIN))["moveUser"]

    assert moved == {"__typename": "User", "username": "ismael.grandcourtois", "tenant": {"slug": "insa-lyon"},
                     "roles": ["EXPERT"]}
    trail = (await gql(AUDIT, {"filter": {"action": "user.moved"}}, as_user=ADMIN))["auditEvents"]["edges"]
    assert {e["node"]["tenant"]["slug"] for e in trail} == {"insa-rouen", "insa-lyon"}
    entry = trail[0]["node"]
    assert entry["actor"] == {"username": ADMIN} and entry["credential"] == "SSO"
    assert entry["changes"]["tenant"] == {"from": "insa-rouen", "to": "insa-lyon"}
    # Lyon's managers read the move into their school; Rennes' read nothing of it.
    lyon = (await gql(AUDIT, {"filter": {"action": "user."}}, as_user=LYON_MANAGER))["auditEvents"]["edges"]
    assert [e["node"]["tenant"]["slug"] for e in lyon] == ["insa-lyon"]
    rennes = (await gql(AUDIT, None, as_user=RENNES_MANAGER))["auditEvents"]["edges"]
    assert rennes == []


async def test_filters_narrow_the_list_and_a_manager_lists_their_school_and_the_experts(gql: Any) -> None:
    managers = await gql(USERS, {"filter": {"role": "SCHOOL_MANAGER"}}, as_user=ADMIN)
    assert "bastien.fauvrelle" in _names(managers) and "amandine.roclerc" not in _names(managers)
    inactive = await gql(USERS, {"filter": {"active": False}}, as_user=ADMIN)
    assert _names(inactive) == ["zoe.plantavine"]

    seen_by_lyon = _names(await gql(USERS, None, as_user=LYON_MANAGER))
    assert "amandine.roclerc" in seen_by_lyon and "fanny.lestrehan" in seen_by_lyon  # an expert
    assert "dorian.kerhoual" not in seen_by_lyon  # a Rennes agent
    seen_by_agent = _names(await gql(USERS, None, as_user=LYON_AGENT))
    assert "bastien.fauvrelle" not in seen_by_agent and "celeste.morvandieu" in seen_by_agent


async def test_roles_stay_within_what_the_tenant_kind_gives(gql: Any, session: AsyncSession) -> None:
    agent = gid("User", await user_id(session, LYON_AGENT))
    refused = (await gql(ROLES, {"input": {"userId": agent, "roles": ["GROUP_ADMIN"]}},
                         as_user=ADMIN))["setUserRoles"]
    assert refused["__typename"] == "ValidationFailed" and refused["fields"][0]["field"] == "roles"
    assert "group-admin cannot be given to a user of a SCHOOL tenant" in refused["fields"][0]["message"]
    assert await session.scalar(select(func.count()).select_from(AuditEvent)) == 0

    given = (await gql(ROLES, {"input": {"userId": agent, "roles": ["SCHOOL_MANAGER", "EXPERT"]}},
                       as_user=ADMIN))["setUserRoles"]
    assert given == {"__typename": "User", "roles": ["EXPERT", "SCHOOL_MANAGER"]}
    denied = (await gql(ROLES, {"input": {"userId": agent, "roles": []}}, as_user=LYON_MANAGER))["setUserRoles"]
    assert denied["__typename"] == "PermissionDenied"


async def test_a_deactivated_user_cannot_call_and_is_let_back_in(gql: Any, session: AsyncSession) -> None:
    agent = gid("User", await user_id(session, LYON_AGENT))
    assert (await gql(DEACTIVATE, {"id": agent}, as_user=ADMIN))["deactivateUser"] == {
        "__typename": "User", "active": False}
    refused = await gql(VIEWER, as_user=LYON_AGENT, expect_errors=True)
    assert "deactivated" in str(refused)

    assert (await gql(REACTIVATE, {"id": agent}, as_user=ADMIN))["reactivateUser"]["active"] is True
    assert (await gql(VIEWER, as_user=LYON_AGENT))["viewer"]["user"]["username"] == LYON_AGENT
    actions = list(await session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions == ["user.deactivated", "user.reactivated"]


async def test_a_technical_account_is_never_moved(gql: Any, session: AsyncSession) -> None:
    desk = gid("User", await user_id(session, "itop.insa-lyon"))
    refused = (await gql(MOVE, {"input": {"userId": desk, "tenantId": gid(
        "Tenant", await tenant_id(session, "insa-rennes"))}}, as_user=ADMIN))["moveUser"]
    assert refused["__typename"] == "ValidationFailed"
    assert "technical account" in refused["fields"][0]["message"]


async def test_a_refused_change_writes_no_audit_row(gql: Any, session: AsyncSession) -> None:
    scenari = (await gql('{ brick(code: "scenari") { id } }', as_user=ADMIN))["brick"]["id"]
    # The second service's name clashes: the mutation is refused after the first checks passed.
    first = await gql("""mutation($i: CreateServiceInput!) { createService(input: $i) { __typename } }""",
                      {"i": {"brickId": scenari, "name": "Audited"}}, as_user=ADMIN)
    assert first["createService"]["__typename"] == "Service"
    again = await gql("""mutation($i: CreateServiceInput!) { createService(input: $i) { __typename } }""",
                      {"i": {"brickId": scenari, "name": "audited"}}, as_user=ADMIN)
    assert again["createService"]["__typename"] == "Conflict"
    assert list(await session.scalars(select(AuditEvent.action))) == ["catalog.service.created"]


async def test_the_audit_row_rolls_back_with_its_change(session: AsyncSession) -> None:
    """The row is written in the change's own transaction: undoing the change undoes the row."""
    from server.identity.administration import move_user
    from tenants.context import OPERATOR

    ismael = await user_id(session, "ismael.grandcourtois")
    lyon = await tenant_id(session, "insa-lyon")
    savepoint = await session.begin_nested()
    await move_user(session, actor=OPERATOR, user_id=ismael, tenant_id=lyon)
    assert await session.scalar(select(func.count()).select_from(AuditEvent)) == 2
    await savepoint.rollback()

    assert await session.scalar(select(func.count()).select_from(AuditEvent)) == 0


async def test_a_user_the_school_provider_disabled_is_enabled_by_that_provider_only(
        gql: Any, client: Any, session: AsyncSession) -> None:
    from tests.scim.conftest import ScimClient, scim_token_for

    lyon = ScimClient(client, await scim_token_for(session, "insa-lyon"))
    await session.commit()
    agent = await user_id(session, LYON_AGENT)
    response = await lyon.patch(f"Users/{agent}", {"op": "replace", "path": "active", "value": False})
    assert response.status_code in (200, 204), response.text

    refused = await gql("""mutation($id: ID!) { reactivateUser(id: $id) { __typename
      ... on ValidationFailed { fields { field message } } } }""", {"id": gid("User", agent)}, as_user=ADMIN)
    assert refused["reactivateUser"]["fields"] == [{"field": "id", "message": (
        f"{LYON_AGENT} was disabled by their school's SCIM provider: it enables them again")}]
