"""Catalogue administration: bricks, services, sub-services. Services flush; callers commit."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.catalog.models import EMPTY_FORM, Brick, Priority, Service, SubService
from server.errors import Conflict, NotFound, PermissionDenied
from server.validation import DESCRIPTION_MAX, NAME_MAX, Checks
from tenants import policy
from tenants.context import Principal

UNSET: Any = object()


def _require_admin(actor: Principal) -> None:
    if not policy.may_manage_catalog(actor):
        raise PermissionDenied("only group administrators manage the catalogue")


async def _get(session: AsyncSession, model: type, ident: int, kind: str) -> Any:
    obj = await session.get(model, ident)
    if obj is None:
        raise NotFound(kind, ident)
    return obj


async def _name_taken(session: AsyncSession, model: type, parent_col: Any, parent_id: int,
                      name: str, exclude_id: int | None) -> bool:
    # Case-insensitive: "Account creation" and "account creation" are the same entry.
    stmt = select(model.id).where(parent_col == parent_id, func.lower(model.name) == name.lower())
    if exclude_id is not None:
        stmt = stmt.where(model.id != exclude_id)
    return (await session.scalar(stmt.limit(1))) is not None


def _check_priority(checks: Checks, value: Any) -> Priority | None:
    try:
        return Priority(value)
    except ValueError:
        checks.add("defaultPriority", "must be one of " + ", ".join(p.value for p in Priority))
        return None


async def create_brick(session: AsyncSession, *, actor: Principal, code: str, name: str,
                       description: str = "") -> Brick:
    _require_admin(actor)
    checks = Checks()
    checks.slug("code", code)
    checks.text("name", name, max_len=NAME_MAX)
    checks.text("description", description, max_len=DESCRIPTION_MAX, required=False)
    checks.done()
    if await session.scalar(select(Brick.id).where(Brick.code == code)) is not None:
        raise Conflict(f"a brick with code {code!r} already exists")
    brick = Brick(code=code, name=name.strip(), description=description, active=True)
    session.add(brick)
    await session.flush()
    return brick


async def update_brick(session: AsyncSession, *, actor: Principal, brick_id: int,
                       name: str = UNSET, description: str = UNSET, active: bool = UNSET) -> Brick:
    _require_admin(actor)
    brick = await _get(session, Brick, brick_id, "brick")
    checks = Checks()
    if name is not UNSET:
        checks.text("name", name, max_len=NAME_MAX)
    if description is not UNSET:
        checks.text("description", description, max_len=DESCRIPTION_MAX, required=False)
    checks.done()
    if name is not UNSET:
        brick.name = name.strip()
    if description is not UNSET:
        brick.description = description
    if active is not UNSET:
        brick.active = active
    await session.flush()
    return brick


async def create_service(session: AsyncSession, *, actor: Principal, brick_id: int, name: str,
                         description: str = "") -> Service:
    _require_admin(actor)
    await _get(session, Brick, brick_id, "brick")
    checks = Checks()
    checks.text("name", name, max_len=NAME_MAX)
    checks.text("description", description, max_len=DESCRIPTION_MAX, required=False)
    checks.done()
    if await _name_taken(session, Service, Service.brick_id, brick_id, name.strip(), None):
        raise Conflict(f"the brick already has a service named {name.strip()!r}")
    service = Service(brick_id=brick_id, name=name.strip(), description=description, active=True)
    session.add(service)
    await session.flush()
    return service


async def update_service(session: AsyncSession, *, actor: Principal, service_id: int,
                         name: str = UNSET, description: str = UNSET,
                         active: bool = UNSET) -> Service:
    _require_admin(actor)
    service = await _get(session, Service, service_id, "service")
    checks = Checks()
    if name is not UNSET:
        checks.text("name", name, max_len=NAME_MAX)
    if description is not UNSET:
        checks.text("description", description, max_len=DESCRIPTION_MAX, required=False)
    checks.done()
    if name is not UNSET:
        if await _name_taken(session, Service, Service.brick_id, service.brick_id, name.strip(),
                             service.id):
            raise Conflict(f"the brick already has a service named {name.strip()!r}")
        service.name = name.strip()
    if description is not UNSET:
        service.description = description
    if active is not UNSET:
        service.active = active
    await session.flush()
    return service


async def create_sub_service(session: AsyncSession, *, actor: Principal, service_id: int,
                             name: str, description: str = "", form: dict | None = None,
                             requires_approval: bool = False,
                             default_priority: str = Priority.NORMAL) -> SubService:
    _require_admin(actor)
    await _get(session, Service, service_id, "service")
    checks = Checks()
    checks.text("name", name, max_len=NAME_MAX)
    checks.text("description", description, max_len=DESCRIPTION_MAX, required=False)
    form = dict(EMPTY_FORM) if form is None else form
    checks.json_schema("form", form)
    priority = _check_priority(checks, default_priority)
    checks.done()
    if await _name_taken(session, SubService, SubService.service_id, service_id, name.strip(), None):
        raise Conflict(f"the service already has a sub-service named {name.strip()!r}")
    sub = SubService(service_id=service_id, name=name.strip(), description=description, form=form,
                     requires_approval=requires_approval, default_priority=priority, active=True)
    session.add(sub)
    await session.flush()
    return sub


async def update_sub_service(session: AsyncSession, *, actor: Principal, sub_service_id: int,
                             name: str = UNSET, description: str = UNSET, form: dict = UNSET,
                             requires_approval: bool = UNSET, default_priority: str = UNSET,
                             active: bool = UNSET) -> SubService:
    _require_admin(actor)
    sub = await _get(session, SubService, sub_service_id, "sub-service")
    checks = Checks()
    if name is not UNSET:
        checks.text("name", name, max_len=NAME_MAX)
    if description is not UNSET:
        checks.text("description", description, max_len=DESCRIPTION_MAX, required=False)
    if form is not UNSET:
        checks.json_schema("form", form)
    priority = _check_priority(checks, default_priority) if default_priority is not UNSET else None
    checks.done()
    if name is not UNSET:
        if await _name_taken(session, SubService, SubService.service_id, sub.service_id,
                             name.strip(), sub.id):
            raise Conflict(f"the service already has a sub-service named {name.strip()!r}")
        sub.name = name.strip()
    if description is not UNSET:
        sub.description = description
    if form is not UNSET:
        sub.form = form
    if requires_approval is not UNSET:
        sub.requires_approval = requires_approval
    if priority is not None:
        sub.default_priority = priority
    if active is not UNSET:
        sub.active = active
    await session.flush()
    return sub
