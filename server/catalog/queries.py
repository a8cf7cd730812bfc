"""Reading the catalogue and the federation, with the caller's visibility applied in the SQL.

The deactivated-catalogue rule lives here for every read by the API, lists, look-ups by code and
loads by id alike: an entry is shown to a caller who does not see inactive entries only when it and
every level above it are active (a service of a deactivated brick is gone with it), and a
designation only when the entry it is on is shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar, TypeVarTuple

from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.catalog.models import Brick, Service, SubService
from server.identity.models import ExpertDesignation
from tenants import policy
from tenants.context import Principal

_Columns = TypeVarTuple("_Columns")
# The tables whose rows the catalogue's loaders read by id.
_Entry = TypeVar("_Entry", Brick, Service, SubService, ExpertDesignation)


def _active_bricks() -> Select[int]:
    return select(Brick.id).where(Brick.active.is_(True))


def _active_services() -> Select[int]:
    return select(Service.id).where(Service.active.is_(True), Service.brick_id.in_(_active_bricks()))


def _active_sub_services() -> Select[int]:
    return select(SubService.id).where(SubService.active.is_(True),
                                       SubService.service_id.in_(_active_services()))


def shown(model: type) -> ColumnElement[bool]:
    """The condition on `model` rows for a caller who does not see inactive entries."""
    if model is Brick:
        return Brick.active.is_(True)
    if model is Service:
        return Service.id.in_(_active_services())
    if model is SubService:
        return SubService.id.in_(_active_sub_services())
    if model is ExpertDesignation:
        return and_(ExpertDesignation.brick_id.in_(_active_bricks()),
                    or_(ExpertDesignation.service_id.is_(None),
                        ExpertDesignation.service_id.in_(_active_services())),
                    or_(ExpertDesignation.sub_service_id.is_(None),
                        ExpertDesignation.sub_service_id.in_(_active_sub_services())))
    raise TypeError(f"{model.__name__} is not part of the catalogue")


def _visible(stmt: Select[*_Columns], model: type, viewer: Principal | None,
             include_inactive: bool) -> Select[*_Columns]:
    """Deactivated entries exist only for those who may bring them back, and only when asked."""
    if include_inactive and viewer is not None and policy.sees_inactive_catalog(viewer):
        return stmt
    return stmt.where(shown(model))


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
    stmt = _visible(select(ExpertDesignation).order_by(ExpertDesignation.id), ExpertDesignation,
                    viewer, True)
    if brick_code is not None:
        stmt = stmt.join(Brick).where(Brick.code == brick_code)
    return list(await session.scalars(stmt))


async def catalog_by_ids(session: AsyncSession, *, viewer: Principal | None, model: type[_Entry],
                         ids: Sequence[int]) -> dict[int, _Entry]:
    """Bricks, services, sub-services or designations by id, as the viewer may see them (Relay
    nodes and the loaders behind every relation to them)."""
    stmt = _visible(select(model).where(model.id.in_(ids)), model, viewer, True)
    return {row.id: row for row in await session.scalars(stmt)}


async def catalog_nodes(session: AsyncSession, *, viewer: Principal, model: type[_Entry],
                        ids: Sequence[int]) -> dict[int, _Entry]:
    """Catalogue entries or designations by id for Relay's `node(id)` and `subService(id)`: those
    the viewer may see, nothing for a caller who may not read the federation's shared data."""
    if not policy.may_read_shared_data(viewer):
        return {}
    return await catalog_by_ids(session, viewer=viewer, model=model, ids=ids)


async def catalog_rows_by_ids(session: AsyncSession, *, model: type[_Entry],
                              ids: Sequence[int]) -> dict[int, tuple[_Entry, bool]]:
    """Bricks, services or sub-services by id, each with whether it is shown to callers who do not
    see inactive entries: one statement that a request's loaders share, then `for_viewer` picks."""
    stmt = select(model, shown(model).label("shown")).where(model.id.in_(ids))
    return {row.id: (row, bool(is_shown)) for row, is_shown in await session.execute(stmt)}


def for_viewer(viewer: Principal | None, found: tuple[Any, bool] | None) -> Any:
    """The row of `catalog_rows_by_ids` if the viewer may see it, else None."""
    if found is None:
        return None
    row, is_shown = found
    return row if is_shown or (viewer is not None and policy.sees_inactive_catalog(viewer)) else None


async def catalog_children(session: AsyncSession, *, viewer: Principal | None, model: type[_Entry],
                           parent: Any, parent_ids: Sequence[int]) -> dict[int, list[_Entry]]:
    """Services of bricks, sub-services of services or designations of users, grouped by parent,
    in one statement."""
    stmt = _visible(select(model).where(parent.in_(parent_ids)).order_by(model.id), model, viewer,
                    True)
    groups: dict[int, list[_Entry]] = {}
    for row in await session.scalars(stmt):
        groups.setdefault(getattr(row, parent.key), []).append(row)
    return groups


async def services_of_bricks(session: AsyncSession, *, viewer: Principal | None,
                             ids: Sequence[int]) -> dict[int, list[Any]]:
    """The services the viewer may see of each brick."""
    return await catalog_children(session, viewer=viewer, model=Service, parent=Service.brick_id,
                                  parent_ids=ids)


async def sub_services_of_services(session: AsyncSession, *, viewer: Principal | None,
                                   ids: Sequence[int]) -> dict[int, list[Any]]:
    """The sub-services the viewer may see of each service."""
    return await catalog_children(session, viewer=viewer, model=SubService,
                                  parent=SubService.service_id, parent_ids=ids)


async def designations_of_users(session: AsyncSession, *, viewer: Principal | None,
                                ids: Sequence[int]) -> dict[int, list[Any]]:
    """The expert designations of each user, on what the viewer may see."""
    return await catalog_children(session, viewer=viewer, model=ExpertDesignation,
                                  parent=ExpertDesignation.user_id, parent_ids=ids)
