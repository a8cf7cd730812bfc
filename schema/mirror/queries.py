"""Root query fields of the mirror: mirrors by status and the schools' desks, for group admins."""

from __future__ import annotations

import base64

import strawberry
from sqlalchemy import select
from strawberry import relay

from schema.context import Info
from schema.ids import database_id
from schema.tickets.queries import BadInput
from schema.mirror.types import DeskSettings, MirrorConnection, MirrorEdge, MirrorStatus, TicketMirror
from server.errors import GroupdeskError, ValidationFailed
from server.mirror import service
from server.mirror.models import DeskSetting
from server.tickets.listing import PageArgs
from tenants import policy


def _cursor(mirror_id: int) -> str:
    return base64.urlsafe_b64encode(f"mirror:{mirror_id}".encode()).decode()


def _after(cursor: str | None) -> int | None:
    if cursor is None:
        return None
    try:
        kind, _, value = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        if kind == "mirror" and (mirror_id := database_id(value)) is not None:
            return mirror_id
    except ValueError:
        pass
    raise ValidationFailed({"after": "not a cursor returned by this list"})


@strawberry.type
class MirrorQuery:
    @strawberry.field(description="Group administrators: mirrors, optionally of one status, oldest "
                                  "first (e.g. status: PAUSED for those waiting on an admin).")
    async def mirrors(self, info: Info, status: MirrorStatus | None = None, first: int = 50,
                      after: str | None = None) -> MirrorConnection:
        ctx = info.context
        try:
            # The same bounds, and the same typed refusal, as the ticket lists.
            first, _ = PageArgs(first=first).size(ctx.settings.max_page_size)
            rows, more = await service.list_mirrors(ctx.session, actor=ctx.viewer, status=status,
                                                    first=first, after=_after(after))
        except GroupdeskError as exc:
            raise BadInput(exc) from None
        edges = [MirrorEdge(cursor=_cursor(m.id), node=TicketMirror.from_model(m)) for m in rows]
        return MirrorConnection(edges=edges, page_info=relay.PageInfo(
            has_next_page=more, has_previous_page=after is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None))

    @strawberry.field(description="Group administrators: the schools' desks (secrets never shown).")
    async def desks(self, info: Info) -> list[DeskSettings]:
        ctx = info.context
        if not policy.may_configure_desks(ctx.viewer):
            return []
        rows = await ctx.session.scalars(select(DeskSetting).order_by(DeskSetting.tenant_id))
        return [DeskSettings.from_model(r) for r in rows]
