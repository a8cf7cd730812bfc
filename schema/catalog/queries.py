"""Root query fields of the spine: the viewer, the federation and the catalogue."""

from __future__ import annotations

import strawberry
from strawberry import relay

from schema.context import Info
from schema.errors import Unauthenticated
from schema.ids import node_id
from schema.catalog.types import Brick, SubService
from schema.identity.types import ExpertDesignation, Tenant, User, Viewer, roles_of
from server.catalog import queries
from server.errors import NotFound
from tenants import policy


def _reads_shared_data(info: Info) -> bool:
    return policy.may_read_shared_data(info.context.viewer)


@strawberry.type
class CatalogQuery:
    @strawberry.field(description="The calling user, their tenant and roles.")
    async def viewer(self, info: Info) -> Viewer:
        p = info.context.viewer
        if not policy.may_use_api(p):
            raise Unauthenticated()
        user = await info.context.loaders.user.load(p.user_id)
        tenant = await info.context.loaders.tenant.load(p.tenant_id)
        return Viewer(user=User.from_model(user), tenant=Tenant.from_model(tenant),
                      roles=roles_of(p.roles))

    @strawberry.field(description="The federation's members.")
    async def tenants(self, info: Info) -> list[Tenant]:
        rows = await queries.list_tenants(info.context.session, viewer=info.context.viewer)
        return [Tenant.from_model(r) for r in rows]

    @strawberry.field(description="The catalogue's bricks; inactive ones only for administrators.")
    async def bricks(self, info: Info, include_inactive: bool = False) -> list[Brick]:
        rows = await queries.list_bricks(info.context.session, viewer=info.context.viewer,
                                         include_inactive=include_inactive)
        return [Brick.from_model(r) for r in rows]

    @strawberry.field(description="One brick by its code.")
    async def brick(self, info: Info, code: str) -> Brick | None:
        row = await queries.brick_by_code(info.context.session, viewer=info.context.viewer, code=code)
        return Brick.from_model(row) if row else None

    @strawberry.field(description="One sub-service by its id.")
    async def sub_service(self, info: Info, id: relay.GlobalID) -> SubService | None:
        if not _reads_shared_data(info):
            return None
        try:
            ident = node_id(id, "SubService", field="id")
        except NotFound:
            return None
        found = await SubService.resolve_nodes(info=info, node_ids=[str(ident)])
        return found[0]

    @strawberry.field(description="Expert designations, optionally for one brick.")
    async def experts(self, info: Info, brick_code: str | None = None) -> list[ExpertDesignation]:
        rows = await queries.list_designations(info.context.session, viewer=info.context.viewer,
                                               brick_code=brick_code)
        return [ExpertDesignation.from_model(r) for r in rows]
