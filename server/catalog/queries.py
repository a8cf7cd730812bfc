"""Reading the catalogue and the federation, with the caller's visibility applied in the SQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.catalog.models import Brick, ExpertDesignation
from server.identity.models import Tenant
from tenants import policy
from tenants.context import Principal


def _visible(stmt: Select, model: type, viewer: Principal, include_inactive: bool) -> Select:
    """Deactivated entries exist only for those who may bring them back, and only when asked."""
    if include_inactive and policy.sees_inactive_catalog(viewer):
        return stmt
    return stmt.where(model.active.is_(True))


async def list_bricks(session: AsyncSession, *, viewer: Principal,
                      include_inactive: bool = False) -> Sequence[Brick]:
    if not policy.may_read_shared_data(viewer):
        return []
    stmt = _visible(select(Brick).order_by(Brick.name), Brick, viewer, include_inactive)
    return list(await session.scalars(stmt))


async def brick_by_code(session: AsyncSession, *, viewer: Principal, code: str) -> Brick | None:
    if not policy.may_read_shared_data(viewer):
        return None
    stmt = _visible(select(Brick).where(Brick.code == code), Brick, viewer, True)
    return await session.scalar(stmt)


async def list_designations(session: AsyncSession, *, viewer: Principal,
                            brick_code: str | None = None) -> Sequence[ExpertDesignation]:
    if not policy.may_read_shared_data(viewer):
        return []
    stmt = select(ExpertDesignation).order_by(ExpertDesignation.id)
    if brick_code is not None:
        stmt = stmt.join(Brick).where(Brick.code == brick_code)
    return list(await session.scalars(stmt))


async def list_tenants(session: AsyncSession, *, viewer: Principal) -> Sequence[Tenant]:
    if not policy.may_list_tenants(viewer):
        return []
    return list(await session.scalars(select(Tenant).order_by(Tenant.slug)))


async def catalog_by_ids(session: AsyncSession, *, viewer: Principal, model: type,
                         ids: Sequence[int]) -> dict[int, Any]:
    """Bricks, services or sub-services by id, as the viewer may see them (for Relay nodes)."""
    stmt = _visible(select(model).where(model.id.in_(ids)), model, viewer, True)
    return {row.id: row for row in await session.scalars(stmt)}


async def catalog_children(session: AsyncSession, *, viewer: Principal | None, model: type,
                           parent: Any, parent_ids: Sequence[int]) -> dict[int, list[Any]]:
    """Services of bricks or sub-services of services, grouped by parent, in one statement."""
    stmt = select(model).where(parent.in_(parent_ids)).order_by(model.id)
    if viewer is None or not policy.sees_inactive_catalog(viewer):
        stmt = stmt.where(model.active.is_(True))
    groups: dict[int, list[Any]] = {}
    for row in await session.scalars(stmt):
        groups.setdefault(getattr(row, parent.key), []).append(row)
    return groups
