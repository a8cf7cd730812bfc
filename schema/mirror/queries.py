"""Root query fields of the mirror: mirrors by status and the schools' desks, for group admins."""

from __future__ import annotations

import strawberry

from schema import pagination
from schema.context import Info
from schema.mirror.types import DeskSettings, MirrorConnection, MirrorEdge, MirrorStatus, TicketMirror
from schema.pagination import PAGING
from server.mirror import queries
from server.mirror.models import Mirror
from server.pagination import Page, PageArgs


@strawberry.type
class MirrorQuery:
    @strawberry.field(description="Group administrators: mirrors, optionally of one status, oldest "
                                  "first (e.g. status: PAUSED for those waiting on an admin), by "
                                  "keyset pages. " + PAGING)
    async def mirrors(self, info: Info, status: MirrorStatus | None = None,
                      first: int | None = None, after: str | None = None,
                      last: int | None = None, before: str | None = None) -> MirrorConnection:
        ctx = info.context

        async def reader(page: PageArgs, max_page_size: int) -> Page[Mirror]:
            return await queries.mirrors_page(ctx.session, viewer=ctx.viewer, status=status,
                                              page=page, max_page_size=max_page_size)

        found = await pagination.read(info, reader, first=first, after=after, last=last,
                                      before=before)
        return pagination.connection(MirrorConnection, found, TicketMirror.from_model, MirrorEdge)

    @strawberry.field(description="Group administrators: the schools' desks (secrets never shown).")
    async def desks(self, info: Info) -> list[DeskSettings]:
        rows = await queries.desk_settings(info.context.session, viewer=info.context.viewer)
        return [DeskSettings.from_model(r) for r in rows]
