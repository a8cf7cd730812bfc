"""Root query fields of the spine: the viewer, the federation and the catalogue."""

from __future__ import annotations

import strawberry
from sqlalchemy import select
from strawberry import relay

from schema.context import Info
from schema.errors import Unauthenticated
from schema.ids import node_id
from schema.types.catalog import Brick, SubService
from schema.types.identity import ExpertDesignation, Tenant, User, Viewer, roles_of
from server.catalog import models as catalog
from server.errors import NotFound
from server.identity import models as identity
from tenants import policy


def _catalog_filter(info: Info, model: type, include_inactive: bool):
    show = include_inactive and policy.sees_inactive_catalog(info.context.viewer)
    return None if show else model.active.is_(True)


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
        if not policy.may_list_tenants(info.context.viewer):
            return []
        rows = await info.context.session.scalars(select(identity.Tenant).order_by(identity.Tenant.slug))
        return [Tenant.from_model(r) for r in rows]

    @strawberry.field(description="The catalogue's bricks; inactive ones only for administrators.")
    async def bricks(self, info: Info, include_inactive: bool = False) -> list[Brick]:
        if not _reads_shared_data(info):
            return []
        stmt = select(catalog.Brick).order_by(catalog.Brick.name)
        cond = _catalog_filter(info, catalog.Brick, include_inactive)
        if cond is not None:
            stmt = stmt.where(cond)
        return [Brick.from_model(r) for r in await info.context.session.scalars(stmt)]

    @strawberry.field(description="One brick by its code.")
    async def brick(self, info: Info, code: str) -> Brick | None:
        if not _reads_shared_data(info):
            return None
        stmt = select(catalog.Brick).where(catalog.Brick.code == code)
        cond = _catalog_filter(info, catalog.Brick, True)
        if cond is not None:
            stmt = stmt.where(cond)
        row = await info.context.session.scalar(stmt)
        return Brick.from_model(row) if row else None

    @strawberry.field(description="One sub-service by its id.")
    async def sub_service(self, info: Info, id: relay.GlobalID) -> SubService | None:
        if not _reads_shared_data(info):
            return None
        try:
            ident = node_id(id, "SubService")
        except NotFound:
            return None
        found = await SubService.resolve_nodes(info=info, node_ids=[str(ident)])
        return found[0]

    @strawberry.field(description="Expert designations, optionally for one brick.")
    async def experts(self, info: Info, brick_code: str | None = None) -> list[ExpertDesignation]:
        if not _reads_shared_data(info):
            return []
        stmt = select(catalog.ExpertDesignation).order_by(catalog.ExpertDesignation.id)
        if brick_code is not None:
            stmt = stmt.join(catalog.Brick).where(catalog.Brick.code == brick_code)
        rows = await info.context.session.scalars(stmt)
        return [ExpertDesignation.from_model(r) for r in rows]
