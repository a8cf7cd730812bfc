"""API token administration: create (secret shown once), revoke, list."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay

from schema.context import Info
from schema.errors import Conflict, NotFound, PermissionDenied, ValidationFailed, attempt
from schema.ids import node_id, require_id
from schema.identity.api_token_types import ApiToken, ApiTokenCreated, ApiTokenPurpose
from server.errors import NotFound as DomainNotFound
from server.identity import api_tokens, queries
from server.identity.models import ApiTokenPurpose as PurposeValue

CreateApiTokenPayload = Annotated[
    ApiTokenCreated | ValidationFailed | Conflict | NotFound | PermissionDenied,
    strawberry.union("CreateApiTokenPayload")]
RevokeApiTokenPayload = Annotated[ApiToken | NotFound | PermissionDenied,
                                  strawberry.union("RevokeApiTokenPayload")]


@strawberry.input
class CreateApiTokenInput:
    tenant_id: relay.GlobalID
    name: str
    purpose: ApiTokenPurpose = PurposeValue.DESK
    user_id: relay.GlobalID | None = strawberry.field(
        default=None, description="The account it acts as; default: the tenant's technical account "
                                  "for the purpose (desk.<tenant> or scim.<tenant>).")


@strawberry.type
class ApiTokenQuery:
    @strawberry.field(description="Group administrators: API tokens, revoked ones included, "
                                  "optionally of one tenant; empty for everyone else.")
    async def api_tokens(self, info: Info, tenant_id: relay.GlobalID | None = None) -> list[ApiToken]:
        viewer = info.context.viewer
        try:
            tenant = node_id(tenant_id, "Tenant", "tenant", field="tenantId")
        except DomainNotFound:
            return []
        rows = await queries.visible_api_tokens(info.context.session, viewer=viewer, tenant_id=tenant)
        return [ApiToken.from_model(r) for r in rows]


@strawberry.type
class ApiTokenMutation:
    @strawberry.mutation(description="Group administrators: create an API token for a tenant's "
                                      "technical account; the payload shows its secret once.")
    async def create_api_token(self, info: Info, input: CreateApiTokenInput) -> CreateApiTokenPayload:
        ctx = info.context

        async def act() -> ApiTokenCreated:
            token, secret = await api_tokens.create_api_token(
                ctx.session, actor=ctx.viewer,
                tenant_id=require_id(input.tenant_id, "Tenant", "tenant", field="tenantId"),
                name=input.name, purpose=input.purpose,
                user_id=node_id(input.user_id, "User", "user", field="userId"))
            return ApiTokenCreated(api_token=ApiToken.from_model(token), secret=secret)
        return await attempt(ctx.session, act, fields={"tenant": "tenantId", "user": "userId"})

    @strawberry.mutation(description="Group administrators: revoke an API token at once.")
    async def revoke_api_token(self, info: Info, id: relay.GlobalID) -> RevokeApiTokenPayload:
        ctx = info.context

        async def act() -> ApiToken:
            return ApiToken.from_model(await api_tokens.revoke_api_token(
                ctx.session, actor=ctx.viewer,
                token_id=require_id(id, "ApiToken", "API token", field="id")))
        return await attempt(ctx.session, act, fields={"API token": "id"})
