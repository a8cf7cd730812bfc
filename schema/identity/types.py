"""Tenants, users and the viewer."""

from __future__ import annotations

import functools
from collections.abc import Iterable

import strawberry
from strawberry import relay

from schema.context import Info
from schema.nodes import resolve_nodes
from schema.catalog.types import Brick, Service, SubService
from server.catalog.queries import catalog_nodes
from server.identity import models, queries
from tenants.context import Role as RoleValue
from server.identity.languages import language_shown
from tenants.context import TenantKind as TenantKindValue

TenantKind = strawberry.enum(TenantKindValue)


Role = strawberry.enum(RoleValue, name="Role", description="What a user may do.")


def roles_of(values: Iterable[RoleValue]) -> list[RoleValue]:
    return sorted(values, key=lambda r: r.name)


@strawberry.type(description="A member of the federation: a school, the group or the operations centre.")
class Tenant(relay.Node):
    id: relay.NodeID[int]
    slug: str
    name: str
    kind: TenantKind
    active: bool

    @classmethod
    def from_model(cls, m: models.Tenant) -> Tenant:
        return cls(id=m.id, slug=m.slug, name=m.name, kind=m.kind, active=m.active)

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False):
        return await resolve_nodes(cls, info, node_ids, queries.visible_tenants_by_ids)


@strawberry.type(description="A person or technical account of one tenant.")
class User(relay.Node):
    id: relay.NodeID[int]
    tenant_id: strawberry.Private[int]
    username: str
    email: str | None
    display_name: str
    roles: list[Role]
    active: bool
    technical: bool = strawberry.field(description="A desk integration or provisioning account, "
                                                   "not a person.")
    chosen_language: strawberry.Private[str | None] = None

    @classmethod
    def from_model(cls, m: models.User) -> User:
        return cls(id=m.id, tenant_id=m.tenant_id, username=m.username, email=m.email,
                   display_name=m.display_name, roles=roles_of(m.roles), active=m.active,
                   technical=m.technical, chosen_language=m.language)

    @strawberry.field(description="The language this person chose (`fr`, `en`); null when they read "
                                  "their school's. Shown to themselves and group administrators only.")
    def language(self, info: Info) -> str | None:
        return language_shown(info.context.viewer, user_id=self.id, language=self.chosen_language)

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False):
        return await resolve_nodes(cls, info, node_ids, queries.visible_users_by_ids)

    @strawberry.field
    async def tenant(self, info: Info) -> Tenant:
        return Tenant.from_model(await info.context.loaders.tenant.load(self.tenant_id))

    @strawberry.field(description="Where this user is designated as an expert.")
    async def designations(self, info: Info) -> list[ExpertDesignation]:
        rows = await info.context.loaders.designations_of_user.load(self.id)
        return [ExpertDesignation.from_model(r) for r in rows]


@strawberry.type(description="A user designated as expert on a brick, a service or a sub-service.")
class ExpertDesignation(relay.Node):
    id: relay.NodeID[int]
    user_id: strawberry.Private[int]
    brick_id: strawberry.Private[int]
    service_id: strawberry.Private[int | None]
    sub_service_id: strawberry.Private[int | None]
    level: str = strawberry.field(description="BRICK, SERVICE or SUB_SERVICE: the most specific wins.")

    @classmethod
    def from_model(cls, m: models.ExpertDesignation) -> ExpertDesignation:
        level = "SUB_SERVICE" if m.sub_service_id else "SERVICE" if m.service_id else "BRICK"
        return cls(id=m.id, user_id=m.user_id, brick_id=m.brick_id, service_id=m.service_id,
                   sub_service_id=m.sub_service_id, level=level)

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False):
        return await resolve_nodes(cls, info, node_ids, functools.partial(
            catalog_nodes, model=models.ExpertDesignation))

    @strawberry.field
    async def user(self, info: Info) -> User:
        return User.from_model(await info.context.loaders.user.load(self.user_id))

    @strawberry.field(description="False when the user left (deactivated, deprovisioned) or lost the "
                                  "expert role: routing never picks an inactive designation.")
    async def active(self, info: Info) -> bool:
        user = await info.context.loaders.user.load(self.user_id)
        return bool(user.active and RoleValue.EXPERT in user.roles)

    @strawberry.field
    async def brick(self, info: Info) -> Brick:
        return Brick.from_model(await info.context.loaders.brick.load(self.brick_id))

    @strawberry.field
    async def service(self, info: Info) -> Service | None:
        if self.service_id is None:
            return None
        return Service.from_model(await info.context.loaders.service.load(self.service_id))

    @strawberry.field
    async def sub_service(self, info: Info) -> SubService | None:
        if self.sub_service_id is None:
            return None
        return SubService.from_model(await info.context.loaders.sub_service.load(self.sub_service_id))


@strawberry.type(description="The calling user.")
class Viewer:
    user: User
    tenant: Tenant
    roles: list[Role]
    language: str = strawberry.field(description="The language this request's messages are in: the "
                                                 "Accept-Language header's, else the user's, else the school's.")
