"""Fixtures for SCIM tests: a school's SCIM token and a client that speaks like Entra ID."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from server.identity.api_tokens import create_api_token
from tenants.context import OPERATOR
from tests.support.principals import tenant_id

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


class ScimClient:
    """Requests to /scim/v2 with a bearer token, bodies as application/scim+json."""

    def __init__(self, client: httpx.AsyncClient, token: str | None) -> None:
        self.client = client
        self.token = token

    async def request(self, method: str, path: str, body: Any = None, **params: Any) -> httpx.Response:
        headers = {"Content-Type": "application/scim+json"}
        if self.token is not None:
            headers["Authorization"] = f"Bearer {self.token}"
        return await self.client.request(method, "/scim/v2/" + path.lstrip("/"), json=body,
                                         params=params or None, headers=headers)

    async def get(self, path: str, **params: Any) -> httpx.Response:
        return await self.request("GET", path, **params)

    async def post(self, path: str, body: Any) -> httpx.Response:
        return await self.request("POST", path, body)

    async def put(self, path: str, body: Any) -> httpx.Response:
        return await self.request("PUT", path, body)

    async def patch(self, path: str, *operations: dict[str, Any]) -> httpx.Response:
        return await self.request("PATCH", path, {"schemas": [PATCH_OP], "Operations": list(operations)})

    async def delete(self, path: str) -> httpx.Response:
        return await self.request("DELETE", path)

    async def create_user(self, user_name: str, **attributes: Any) -> dict[str, Any]:
        response = await self.post("Users", {"schemas": [USER_SCHEMA], "userName": user_name,
                                             "active": True, **attributes})
        assert response.status_code == 201, response.text
        return response.json()

    async def create_group(self, display_name: str, *member_ids: str, **attributes: Any) -> dict[str, Any]:
        response = await self.post("Groups", {"schemas": [GROUP_SCHEMA], "displayName": display_name,
                                              "members": [{"value": m} for m in member_ids], **attributes})
        assert response.status_code == 201, response.text
        return response.json()


async def scim_token_for(session: AsyncSession, slug: str) -> str:
    """A new SCIM token of the tenant, as a group admin creates it."""
    _, raw = await create_api_token(session, actor=OPERATOR, tenant_id=await tenant_id(session, slug),
                                    name=f"Entra ID ({slug})", purpose="SCIM")
    await session.flush()
    return raw


@pytest.fixture
async def lyon_token(session: AsyncSession) -> str:
    return await scim_token_for(session, "insa-lyon")


@pytest.fixture
def scim(client: httpx.AsyncClient, lyon_token: str) -> ScimClient:
    """INSA Lyon's identity provider."""
    return ScimClient(client, lyon_token)


@pytest.fixture
async def rennes_scim(client: httpx.AsyncClient, session: AsyncSession) -> ScimClient:
    """INSA Rennes's identity provider."""
    return ScimClient(client, await scim_token_for(session, "insa-rennes"))


@pytest.fixture
async def group_scim(client: httpx.AsyncClient, session: AsyncSession) -> ScimClient:
    """The group's own identity provider: the one provider whose expert pools designate experts."""
    return ScimClient(client, await scim_token_for(session, "groupe-insa"))
