"""Every administrative change lands in the audit trail with who, which tenant, what and which credential."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.audit.models import AuditEvent
from tests.tickets.helpers import ADMIN, LYON_AGENT, LYON_MANAGER, tenant_id

TRAIL = """query($filter: AuditFilter, $after: String) { auditEvents(filter: $filter, first: 2, after: $after) {
  totalCount pageInfo { hasNextPage endCursor } edges { node { action targetKind changes credential
  apiTokenId tenant { slug } actor { username } } } } }"""


async def _call(gql: Any, document: str, variables: dict[str, Any]) -> dict[str, Any]:
    data = await gql(document, variables, as_user=ADMIN)
    payload = next(iter(data.values()))
    assert payload["__typename"] not in ("ValidationFailed", "NotFound", "PermissionDenied", "Conflict"), payload
    return payload


async def test_catalogue_designations_desks_and_tokens_are_audited(gql: Any, session: AsyncSession) -> None:
    from strawberry import relay

    lyon = relay.to_base64("Tenant", await tenant_id(session, "insa-lyon"))
    scenari = (await gql('{ brick(code: "scenari") { id } }', as_user=ADMIN))["brick"]["id"]
    await _call(gql, """mutation($i: UpdateBrickInput!) { updateBrick(input: $i) { __typename } }""",
                {"i": {"id": scenari, "description": "Document chains"}})
    designated = await _call(gql, """mutation($i: DesignateExpertInput!) { designateExpert(input: $i) {
      __typename ... on ExpertDesignation { id user { username } } } }""",
                             {"i": {"username": "fanny.lestrehan", "brickId": scenari}})
    assert designated["user"] == {"username": "fanny.lestrehan"}
    await _call(gql, "mutation($id: ID!) { revokeExpert(id: $id) { __typename } }", {"id": designated["id"]})
    await _call(gql, """mutation($i: ConfigureDeskInput!) { configureDesk(input: $i) { __typename } }""",
                {"i": {"tenantId": lyon, "desk": {"kind": "WEBHOOK", "url": "https://hooks.example.org",
                                                  "credentials": {"secret_env": "LYON_SECRET"}}}})
    token = await _call(gql, """mutation($i: CreateApiTokenInput!) { createApiToken(input: $i) {
      __typename ... on ApiTokenCreated { apiToken { id } } } }""", {"i": {"tenantId": lyon, "name": "iTop"}})
    await _call(gql, "mutation($id: ID!) { revokeApiToken(id: $id) { __typename } }",
                {"id": token["apiToken"]["id"]})

    rows = list(await session.scalars(select(AuditEvent).order_by(AuditEvent.id)))
    assert [r.action for r in rows] == [
        "catalog.brick.updated", "designation.created", "designation.revoked", "desk.updated",
        "api_token.created", "api_token.revoked"]
    assert all(r.actor_name == ADMIN and r.credential == "SSO" and r.request_id for r in rows)
    assert rows[0].changes["description"]["to"] == "Document chains"
    assert rows[1].changes["username"] == "fanny.lestrehan" and rows[1].changes["scope"].startswith("brick:")
    assert rows[3].tenant_id == await tenant_id(session, "insa-lyon")
    assert rows[3].changes["kind"] == "webhook" and "LYON_SECRET" in str(rows[3].changes["credentials"])


async def test_the_trail_pages_newest_first_and_a_manager_reads_only_their_school(
        gql: Any, session: AsyncSession) -> None:
    from strawberry import relay

    for slug in ("insa-lyon", "insa-rennes", "insa-lyon"):
        tenant = relay.to_base64("Tenant", await tenant_id(session, slug))
        await _call(gql, """mutation($i: CreateApiTokenInput!) { createApiToken(input: $i) { __typename } }""",
                    {"i": {"tenantId": tenant, "name": f"desk of {slug}"}})

    first = (await gql(TRAIL, {"filter": {"action": "api_token."}}, as_user=ADMIN))["auditEvents"]
    assert first["totalCount"] == 3 and first["pageInfo"]["hasNextPage"] is True
    names = [e["node"]["changes"]["name"] for e in first["edges"]]
    rest = (await gql(TRAIL, {"filter": {"action": "api_token."}, "after": first["pageInfo"]["endCursor"]},
                      as_user=ADMIN))["auditEvents"]
    names += [e["node"]["changes"]["name"] for e in rest["edges"]]
    assert names == ["desk of insa-lyon", "desk of insa-rennes", "desk of insa-lyon"]

    lyon = (await gql(TRAIL, None, as_user=LYON_MANAGER))["auditEvents"]
    assert lyon["totalCount"] == 2 and {e["node"]["tenant"]["slug"] for e in lyon["edges"]} == {"insa-lyon"}
    assert (await gql(TRAIL, None, as_user=LYON_AGENT))["auditEvents"]["totalCount"] == 0
