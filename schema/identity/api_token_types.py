"""API tokens of technical accounts, as group administrators see them (never the secret or its hash)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import strawberry
from strawberry import relay

from schema.context import Info
from schema.identity.types import Tenant, User
from schema.nodes import resolve_nodes
from server.identity import models, queries

ApiTokenPurpose = strawberry.enum(models.ApiTokenPurpose, name="ApiTokenPurpose",
                                  description="DESK: a local desk's calls; SCIM: user provisioning.")


@strawberry.type(description="A long-lived token acting as one technical account of a tenant.")
class ApiToken(relay.Node):
    id: relay.NodeID[int]
    tenant_id: strawberry.Private[int]
    user_id: strawberry.Private[int]
    created_by_id: strawberry.Private[int | None]
    name: str
    purpose: ApiTokenPurpose
    prefix: str = strawberry.field(description="The secret's first characters, to tell tokens apart.")
    created_at: dt.datetime
    last_used_at: dt.datetime | None = strawberry.field(description="Recorded to the minute.")
    revoked_at: dt.datetime | None

    @classmethod
    def from_model(cls, m: models.ApiToken) -> ApiToken:
        return cls(id=m.id, tenant_id=m.tenant_id, user_id=m.user_id, created_by_id=m.created_by_id,
                   name=m.name, purpose=m.purpose, prefix=m.prefix, created_at=m.created_at,
                   last_used_at=m.last_used_at, revoked_at=m.revoked_at)

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False):
        return await resolve_nodes(cls, info, node_ids, queries.api_tokens_by_ids)

    @strawberry.field(description="False once revoked.")
    def active(self) -> bool:
        return self.revoked_at is None

    @strawberry.field
    async def tenant(self, info: Info) -> Tenant:
        return Tenant.from_model(await info.context.loaders.tenant.load(self.tenant_id))

    @strawberry.field(description="The technical account the token acts as.")
    async def user(self, info: Info) -> User:
        return User.from_model(await info.context.loaders.user.load(self.user_id))

    @strawberry.field(description="Who created it; null when an operator used the command line.")
    async def created_by(self, info: Info) -> User | None:
        if self.created_by_id is None:
            return None
        return User.from_model(await info.context.loaders.user.load(self.created_by_id))


@strawberry.type(description="A new API token and its secret, shown this once: store it now.")
class ApiTokenCreated:
    api_token: ApiToken
    secret: str = strawberry.field(description="The bearer token (gdk_...); it cannot be shown again.")
