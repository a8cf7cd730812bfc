"""Who may provision: a live SCIM token, acting on its own school only."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.identity.api_tokens import create_api_token, revoke_api_token
from server.identity.models import ApiToken, Tenant, User
from tenants.context import OPERATOR
from tests.scim.conftest import GROUP_SCHEMA, USER_SCHEMA, ScimClient
from tests.support.principals import tenant_id

ILAN = "ilan.berthaud@insa-lyon.example.org"


@pytest.mark.parametrize("authorization", [None, "Bearer", "Bearer gdk_not-a-real-token",
                                           "Basic dXNlcjpwYXNz", "Bearer eyJhbGciOi.not.ajwt"])
async def test_missing_or_wrong_token_is_a_401_with_a_bearer_challenge(
        client: httpx.AsyncClient, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization else {}

    response = await client.get("/scim/v2/Users", headers=headers)

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="SCIM"'
    assert response.json()["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]


async def test_revoked_token_is_a_401_and_changes_nothing(scim: ScimClient, lyon_token: str,
                                                          session: AsyncSession) -> None:
    assert (await scim.get("Users")).status_code == 200
    token = await session.scalar(select(ApiToken).where(ApiToken.prefix == lyon_token[:12]))
    assert token is not None
    await revoke_api_token(session, actor=OPERATOR, token_id=token.id)
    await session.flush()

    refused = await scim.post("Users", {"schemas": [USER_SCHEMA], "userName": ILAN})

    assert refused.status_code == 401
    assert "revoked" in refused.json()["detail"]
    assert await session.scalar(select(User).where(User.username == ILAN)) is None


async def test_desk_token_is_not_a_scim_token(client: httpx.AsyncClient, session: AsyncSession) -> None:
    _, raw = await create_api_token(session, actor=OPERATOR, tenant_id=await tenant_id(session, "insa-lyon"),
                                    name="iTop", purpose="DESK")
    await session.flush()

    response = await ScimClient(client, raw).get("Users")

    assert response.status_code == 401


async def test_token_of_a_deactivated_school_is_refused(scim: ScimClient, session: AsyncSession) -> None:
    school = await session.get(Tenant, await tenant_id(session, "insa-lyon"))
    assert school is not None
    school.active = False
    await session.flush()

    response = await scim.get("Users")

    assert response.status_code == 403
    assert response.json()["detail"] == "tenant insa-lyon is deactivated"


async def test_service_provider_config_is_public_but_schemas_are_not(client: httpx.AsyncClient) -> None:
    config = await client.get("/scim/v2/ServiceProviderConfig")
    assert config.status_code == 200
    assert config.json()["patch"] == {"supported": True}
    assert config.json()["filter"] == {"supported": True, "maxResults": 200}
    assert config.json()["authenticationSchemes"][0]["type"] == "oauthbearertoken"
    assert (await client.get("/scim/v2/Schemas")).status_code == 401
    assert (await client.get("/scim/v2/ResourceTypes")).status_code == 401


async def test_discovery_lists_users_with_the_enterprise_extension_and_groups(scim: ScimClient) -> None:
    types = (await scim.get("ResourceTypes")).json()["Resources"]
    schemas = (await scim.get("Schemas")).json()["Resources"]

    assert {(t["name"], t["endpoint"]) for t in types} == {("User", "/Users"), ("Group", "/Groups")}
    user_type = next(t for t in types if t["name"] == "User")
    assert user_type["schemaExtensions"] == [
        {"schema": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "required": False}]
    attributes = {s["id"]: {a["name"] for a in s["attributes"]} for s in schemas}
    assert attributes["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"] == {
        "employeeNumber", "department", "manager"}
    assert {"userName", "name", "displayName", "active", "emails", "groups"} == \
        attributes["urn:ietf:params:scim:schemas:core:2.0:User"]


async def test_another_school_sees_nothing_of_this_school_and_changes_nothing(
        scim: ScimClient, rennes_scim: ScimClient) -> None:
    user = await scim.create_user("ilan.berthaud@insa-lyon.example.org", externalId="e-1")
    group = await scim.create_group("groupdesk-school-agent", user["id"])

    listed = (await rennes_scim.get("Users", count="200")).json()["Resources"]
    assert user["id"] not in {r["id"] for r in listed}
    assert "amandine.roclerc" not in {r["userName"] for r in listed}
    assert (await rennes_scim.get("Groups")).json()["totalResults"] == 0
    for query in ('userName eq "ilan.berthaud@insa-lyon.example.org"', 'externalId eq "e-1"',
                  f'id eq "{user["id"]}"'):
        assert (await rennes_scim.get("Users", filter=query)).json()["totalResults"] == 0
    for query in ('displayName eq "groupdesk-school-agent"', f'id eq "{group["id"]}"'):
        assert (await rennes_scim.get("Groups", filter=query)).json()["totalResults"] == 0
    assert (await rennes_scim.get(f"Users/{user['id']}")).status_code == 404
    assert (await rennes_scim.get(f"Groups/{group['id']}")).status_code == 404
    assert (await rennes_scim.patch(f"Users/{user['id']}", {"op": "Replace", "path": "active",
                                                            "value": False})).status_code == 404
    assert (await rennes_scim.put(f"Groups/{group['id']}", {"schemas": [GROUP_SCHEMA],
                                                            "displayName": "x"})).status_code == 404
    assert (await rennes_scim.delete(f"Users/{user['id']}")).status_code == 404
    assert (await rennes_scim.delete(f"Groups/{group['id']}")).status_code == 404

    mine = (await scim.get(f"Users/{user['id']}")).json()
    assert mine["active"] is True and mine["groups"][0]["value"] == group["id"]


async def test_users_a_school_provisions_belong_to_that_school(rennes_scim: ScimClient,
                                                               session: AsyncSession) -> None:
    created = await rennes_scim.create_user("gael.morvan@insa-rennes.example.org")

    user = await session.get(User, int(created["id"]))
    assert user is not None
    assert user.tenant_id == await tenant_id(session, "insa-rennes")
    assert (user.issuer, user.scim_managed, user.technical) == (
        "urn:groupdesk:scim:insa-rennes", True, False)


async def test_a_username_taken_in_another_school_is_a_conflict(rennes_scim: ScimClient) -> None:
    response = await rennes_scim.post("Users", {"schemas": [USER_SCHEMA], "userName": "Amandine.Roclerc"})

    assert response.status_code == 409
    assert response.json()["scimType"] == "uniqueness"


async def test_technical_accounts_are_invisible_to_the_provider(scim: ScimClient) -> None:
    # scim.insa-lyon, the account this very token acts as, is not a person of the school.
    listed = (await scim.get("Users", count="200")).json()["Resources"]
    names = {r["userName"] for r in listed}

    assert "amandine.roclerc" in names
    assert "scim.insa-lyon" not in names
    assert (await scim.get("Users", filter='userName eq "scim.insa-lyon"')).json()["totalResults"] == 0
