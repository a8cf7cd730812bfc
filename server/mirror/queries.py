"""Reading mirrors and desks for the API, with the caller's rights applied in the SQL."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, false, select
from sqlalchemy.ext.asyncio import AsyncSession

from server import pagination
from server.mirror.models import DeskSetting, Mirror, MirrorStatus
from server.pagination import ById, Page, PageArgs
from tenants import policy
from tenants.context import Principal

# Mirrors come oldest first; their cursors are refused by any other list.
MIRROR_ORDER = ById(list_name="mirrors", column=Mirror.id)


async def mirrors_page(session: AsyncSession, *, viewer: Principal, status: MirrorStatus | None,
                       page: PageArgs, max_page_size: int) -> Page[Mirror]:
    """Group admins: a keyset page of mirrors, optionally of one status (empty for the others)."""
    where: list[ColumnElement[bool]] = []
    if not policy.may_operate_mirrors(viewer):
        where.append(false())
    if status is not None:
        where.append(Mirror.status == status)
    found: Page[Mirror] = await pagination.read_page(session, Mirror, where, order=MIRROR_ORDER,
                                                     page=page, max_page_size=max_page_size)
    return found


async def desk_settings(session: AsyncSession, *, viewer: Principal) -> Sequence[DeskSetting]:
    """Group admins: every school's desk, by school (empty for the others)."""
    if not policy.may_configure_desks(viewer):
        return []
    return list(await session.scalars(select(DeskSetting).order_by(DeskSetting.tenant_id)))
