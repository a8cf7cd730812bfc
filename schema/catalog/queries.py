"""Root query fields of the catalogue: bricks, one sub-service, expert designations."""

from __future__ import annotations

import strawberry
from strawberry import relay

from schema.context import Info
from schema.ids import node_id
from schema.catalog.types import Brick, CatalogSyncRun, SubService
from schema.identity.types import ExpertDesignation
from server import catalog_sync
from server.catalog import queries
from server.errors import NotFound


@strawberry.type
class CatalogQuery:
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

    @strawberry.field(description="Group administrators: the latest catalogue sync runs, newest first "
                                  "(empty for the others).")
    async def catalog_sync_runs(self, info: Info) -> list[CatalogSyncRun]:
        rows = await catalog_sync.sync_runs(info.context.session, viewer=info.context.viewer)
        return [CatalogSyncRun.from_model(r) for r in rows]
