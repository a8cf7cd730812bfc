"""API tokens through GraphQL: created by group admins, used as bearer tokens by desks, revoked."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from server.identity.models import User

ADMIN = "valentine.orsembaud"
LYON_AGENT = "amandine.roclerc"

CREATE = """mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) {
  __typename ... on ApiTokenCreated { secret apiToken { id name purpose prefix active
    tenant { slug } user { username roles } createdBy { username } } }
  ... on Problem { message } } }"""
LIST = """query($t: ID) { apiTokens(tenantId: $t) { id name prefix purpose lastUsedAt revokedAt active
  tenant { slug } user { username } } }"""
REVOKE = """mutation($id: ID!) { revokeApiToken(id: $id) { __typename
  ... on ApiToken { active revokedAt } ... on Problem { message } } }"""
VIEWER = "{ viewer { user { username } tenant { slug } roles } }"


async def _tenant_ids(gql: Any) -> dict[str, str]:
    return {t["slug"]: t["id"] for t in (await gql("{ tenants { id slug } }", as_user=ADMIN))["tenants"]}


async def _create(gql: Any, slug: str = "insa-lyon", **fields: Any) -> dict[str, Any]:
    tenants = await _tenant_ids(gql)
    data = await gql(CREATE, {"input": {"tenantId": tenants[slug], "name": "iTop", **fields}},
                     as_user=ADMIN)
    return data["createApiToken"]


async def _as_bearer(client: httpx.AsyncClient, secret: str, query: str = VIEWER) -> httpx.Response:
    return await client.post("/graphql", json={"query": query},
                             headers={"Authorization": f"Bearer {secret}"})


async def test_admin_creates_a_desk_token_whose_secret_is_shown_once(gql: Any) -> None:
    created = await _create(gql)

    assert created["__typename"] == "ApiTokenCreated"
    assert created["secret"].startswith("gdk_")
    token = created["apiToken"]
    assert token["user"] == {"username": "desk.insa-lyon", "roles": ["DESK_INTEGRATION"]}
    assert token["createdBy"] == {"username": ADMIN}
    assert (token["purpose"], token["prefix"], token["active"]) == ("DESK", created["secret"][:12], True)
    listed = (await gql(LIST, as_user=ADMIN))["apiTokens"]
    assert token["id"] in {t["id"] for t in listed}
    assert created["secret"] not in str(listed)


async def test_the_schema_never_exposes_a_token_hash(gql: Any) -> None:
    fields = await gql('{ __type(name: "ApiToken") { fields { name } } }', as_user=ADMIN)
    names = {f["name"] for f in fields["__type"]["fields"]}
    assert "prefix" in names and not {"tokenHash", "hash", "secret"} & names


async def test_desk_calls_the_api_with_its_token_as_its_technical_account(
        gql: Any, client: httpx.AsyncClient) -> None:
    created = await _create(gql)

    response = await _as_bearer(client, created["secret"])

    assert response.status_code == 200, response.text
    assert response.json()["data"]["viewer"] == {"user": {"username": "desk.insa-lyon"},
                                                 "tenant": {"slug": "insa-lyon"},
                                                 "roles": ["DESK_INTEGRATION"]}
    used = (await gql(LIST, {"t": (await _tenant_ids(gql))["insa-lyon"]}, as_user=ADMIN))["apiTokens"]
    assert next(t for t in used if t["id"] == created["apiToken"]["id"])["lastUsedAt"] is not None


async def test_revoked_token_is_a_401_at_once(gql: Any, client: httpx.AsyncClient) -> None:
    created = await _create(gql)
    assert (await _as_bearer(client, created["secret"])).status_code == 200

    revoked = (await gql(REVOKE, {"id": created["apiToken"]["id"]}, as_user=ADMIN))["revokeApiToken"]

    assert revoked["__typename"] == "ApiToken" and revoked["active"] is False
    response = await _as_bearer(client, created["secret"])
    assert response.status_code == 401
    assert response.json()["errors"][0]["message"] == "unknown or revoked API token"


async def test_unknown_api_token_is_a_401(client: httpx.AsyncClient) -> None:
    response = await _as_bearer(client, "gdk_" + "x" * 43)
    assert response.status_code == 401
    assert response.json()["errors"][0]["message"] == "unknown or revoked API token"


async def test_scim_token_is_not_accepted_on_the_graphql_api(gql: Any, client: httpx.AsyncClient) -> None:
    created = await _create(gql, purpose="SCIM")
    assert created["apiToken"]["user"]["username"] == "scim.insa-lyon"

    assert (await _as_bearer(client, created["secret"])).status_code == 401
    # It says what the token is and where it belongs, not "unknown or revoked".
    message = (await _as_bearer(client, created["secret"])).json()["errors"][0]["message"]
    assert message.startswith("this is a SCIM token") and "/scim/v2" in message


async def test_token_of_a_deactivated_technical_account_is_a_403(
        gql: Any, client: httpx.AsyncClient, session: AsyncSession) -> None:
    created = await _create(gql)
    await session.execute(update(User).where(User.username == "desk.insa-lyon").values(active=False))
    await session.commit()

    response = await _as_bearer(client, created["secret"])

    assert response.status_code == 403
    assert response.json()["errors"][0]["message"] == "user desk.insa-lyon is deactivated"


async def test_school_agent_can_neither_create_nor_see_nor_revoke_tokens(gql: Any) -> None:
    created = await _create(gql)
    tenants = await _tenant_ids(gql)

    refused = (await gql(CREATE, {"input": {"tenantId": tenants["insa-lyon"], "name": "mine"}},
                         as_user=LYON_AGENT))["createApiToken"]
    assert refused == {"__typename": "PermissionDenied", "message": "only group administrators manage API tokens"}
    assert (await gql(LIST, as_user=LYON_AGENT))["apiTokens"] == []
    assert (await gql("query($id: ID!) { node(id: $id) { id } }", {"id": created["apiToken"]["id"]},
                      as_user=LYON_AGENT))["node"] is None
    revoke = (await gql(REVOKE, {"id": created["apiToken"]["id"]}, as_user=LYON_AGENT))["revokeApiToken"]
    assert revoke["__typename"] == "PermissionDenied"
    assert (await gql(LIST, as_user=ADMIN))["apiTokens"][-1]["active"] is True


async def test_invalid_input_is_a_validation_error(gql: Any) -> None:
    created = await _create(gql, name=" ")
    assert created["__typename"] == "ValidationFailed"
    assert "name: must not be empty" in created["message"]
