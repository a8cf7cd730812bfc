"""Names for the keys of a stats answer: the brick, service, sub-service, school or expert an id is."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.catalog.models import Brick, Service, SubService
from server.identity.models import Tenant, User
from server.reports.stats import GroupBy

NAMED: dict[GroupBy, Any] = {GroupBy.BRICK: (Brick.id, Brick.name),
                             GroupBy.SERVICE: (Service.id, Service.name),
                             GroupBy.SUB_SERVICE: (SubService.id, SubService.name),
                             GroupBy.SCHOOL: (Tenant.id, Tenant.name),
                             GroupBy.EXPERT: (User.id, User.display_name)}
# The type of the global id a key is given as, per grouping by entity.
NODE_TYPES = {GroupBy.BRICK: "Brick", GroupBy.SERVICE: "Service", GroupBy.SUB_SERVICE: "SubService",
              GroupBy.SCHOOL: "Tenant", GroupBy.EXPERT: "User"}


async def labels(session: AsyncSession, group_by: GroupBy, keys: Iterable[Any]) -> dict[Any, str]:
    """Each key's name: the entity's name, the priority, or the bucket's first day as it is."""
    wanted = sorted({k for k in keys if k is not None}, key=str)
    if group_by not in NAMED:
        return {k: str(k) for k in wanted}
    if not wanted:
        return {}
    ident, name = NAMED[group_by]
    rows = await session.execute(select(ident, name).where(ident.in_(wanted)))
    return {k: v for k, v in rows.all()}
