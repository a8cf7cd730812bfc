"""Catalogue administration: bricks, services, sub-services. Services flush; callers commit."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.audit.record import record
from server.catalog.approvers import check_cost, checked_approvers
from server.catalog.models import EMPTY_FORM, Brick, Priority, Service, SubService
from server.errors import KIND_NAMES, Conflict, NotFound, PermissionDenied
from server.validation import DESCRIPTION_MAX, NAME_MAX, Checks
from tenants import policy
from tenants.context import Principal
from tenants.i18n.messages import Message

# "Leave this field as it is" in update functions (None may be a real value elsewhere).
UNSET: Any = object()

_Row = TypeVar("_Row", Brick, Service, SubService)


def _require_admin(actor: Principal) -> None:
    if not policy.may_manage_catalog(actor):
        raise PermissionDenied(Message("only group administrators manage the catalogue"))


async def _get(session: AsyncSession, model: type[_Row], ident: int, kind: str) -> _Row:
    obj = await session.get(model, ident)
    if obj is None:
        raise NotFound(kind, ident)
    return obj


def _check_texts(checks: Checks, name: str, description: str) -> None:
    if name is not UNSET:
        checks.text("name", name, max_len=NAME_MAX)
    if description is not UNSET:
        checks.text("description", description, max_len=DESCRIPTION_MAX, required=False)


def _check_priority(checks: Checks, value: Any) -> Priority | None:
    if value is UNSET:
        return None
    try:
        return Priority(value)
    except ValueError:
        checks.add("defaultPriority", Message("must be one of {values}",
                                              values=", ".join(p.value for p in Priority)))
        return None


async def _ensure_unique_name(session: AsyncSession, model: type[Service | SubService], parent: str,
                              obj_parent_id: int, name: str, *, exclude_id: int | None = None) -> None:
    """Names are unique within their parent, case-insensitively ("Account creation" = "account creation")."""
    parent_col = getattr(model, parent)
    stmt = select(model.id).where(parent_col == obj_parent_id, func.lower(model.name) == name.lower())
    if exclude_id is not None:
        stmt = stmt.where(model.id != exclude_id)
    if await session.scalar(stmt.limit(1)) is not None:
        kind = "service" if model is Service else "sub-service"
        raise Conflict(Message("a {kind} named {name} already exists there", kind=KIND_NAMES.get(kind, kind),
                               name=repr(name)))


def _assign(obj: Any, **values: Any) -> dict[str, Any]:
    """Set the given values; what changed, field by field, for the audit trail."""
    changes: dict[str, Any] = {}
    for key, value in values.items():
        if value is not UNSET:
            value = value.strip() if key == "name" else value
            if getattr(obj, key) != value:
                changes[key] = {"from": getattr(obj, key), "to": value}
            setattr(obj, key, value)
    return changes


async def _audit(session: AsyncSession, actor: Principal, obj: Brick | Service | SubService,
                 verb: str, changes: dict[str, Any]) -> None:
    """One audit row for a catalogue change (none when nothing changed)."""
    if changes:
        kind = {Brick: "brick", Service: "service", SubService: "sub_service"}[type(obj)]
        await record(session, actor=actor, action=f"catalog.{kind}.{verb}", target_kind=kind,
                     target_id=obj.id, changes={"name": obj.name, **changes})


async def create_brick(session: AsyncSession, *, actor: Principal, code: str, name: str,
                       description: str = "") -> Brick:
    _require_admin(actor)
    checks = Checks()
    checks.slug("code", code)
    _check_texts(checks, name, description)
    checks.done()
    if await session.scalar(select(Brick.id).where(Brick.code == code)) is not None:
        raise Conflict(Message("a brick with code {code} already exists", code=repr(code)))
    brick = Brick(code=code, name=name.strip(), description=description, active=True)
    session.add(brick)
    await session.flush()
    await _audit(session, actor, brick, "created", {"code": code})
    return brick


async def update_brick(session: AsyncSession, *, actor: Principal, brick_id: int,
                       name: str = UNSET, description: str = UNSET, active: bool = UNSET) -> Brick:
    _require_admin(actor)
    brick = await _get(session, Brick, brick_id, "brick")
    checks = Checks()
    _check_texts(checks, name, description)
    checks.done()
    changes = _assign(brick, name=name, description=description, active=active)
    await session.flush()
    await _audit(session, actor, brick, "updated", changes)
    return brick


async def create_service(session: AsyncSession, *, actor: Principal, brick_id: int, name: str,
                         description: str = "") -> Service:
    _require_admin(actor)
    await _get(session, Brick, brick_id, "brick")
    checks = Checks()
    _check_texts(checks, name, description)
    checks.done()
    await _ensure_unique_name(session, Service, "brick_id", brick_id, name.strip())
    service = Service(brick_id=brick_id, name=name.strip(), description=description, active=True)
    session.add(service)
    await session.flush()
    await _audit(session, actor, service, "created", {"brick_id": brick_id})
    return service


async def update_service(session: AsyncSession, *, actor: Principal, service_id: int,
                         name: str = UNSET, description: str = UNSET,
                         active: bool = UNSET) -> Service:
    _require_admin(actor)
    service = await _get(session, Service, service_id, "service")
    checks = Checks()
    _check_texts(checks, name, description)
    checks.done()
    if name is not UNSET:
        await _ensure_unique_name(session, Service, "brick_id", service.brick_id, name.strip(),
                                  exclude_id=service.id)
    changes = _assign(service, name=name, description=description, active=active)
    await session.flush()
    await _audit(session, actor, service, "updated", changes)
    return service


async def create_sub_service(session: AsyncSession, *, actor: Principal, service_id: int,
                             name: str, description: str = "", form: dict[str, Any] | None = None,
                             requires_approval: bool = False,
                             default_priority: str = Priority.NORMAL) -> SubService:
    _require_admin(actor)
    await _get(session, Service, service_id, "service")
    form = dict(EMPTY_FORM) if form is None else form
    checks = Checks()
    _check_texts(checks, name, description)
    checks.json_schema("form", form)
    priority = _check_priority(checks, default_priority)
    checks.done()
    await _ensure_unique_name(session, SubService, "service_id", service_id, name.strip())
    sub = SubService(service_id=service_id, name=name.strip(), description=description, form=form,
                     requires_approval=requires_approval, default_priority=priority, active=True)
    session.add(sub)
    await session.flush()
    await _audit(session, actor, sub, "created", {"service_id": service_id,
                                                  "requires_approval": requires_approval})
    return sub


async def update_sub_service(session: AsyncSession, *, actor: Principal, sub_service_id: int,
                             name: str = UNSET, description: str = UNSET, form: dict[str, Any] = UNSET,
                             requires_approval: bool = UNSET, default_priority: str = UNSET,
                             active: bool = UNSET, approvers: dict[str, Any] = UNSET,
                             cost_field: str | None = UNSET,
                             second_approval_above: float | None = UNSET) -> SubService:
    """Change what is given; `approvers` is {"kind", "role", "usernames"} (server.catalog.approvers)."""
    _require_admin(actor)
    sub = await _get(session, SubService, sub_service_id, "sub-service")
    checks = Checks()
    _check_texts(checks, name, description)
    if form is not UNSET:
        checks.json_schema("form", form)
    priority = _check_priority(checks, default_priority)
    rule: Any = UNSET
    if approvers is not UNSET:
        rule = await checked_approvers(session, checks, kind=approvers.get("kind", ""),
                                            role=approvers.get("role"), usernames=approvers.get("usernames"))
    if cost_field is not UNSET or second_approval_above is not UNSET or form is not UNSET:
        check_cost(checks, sub.form if form is UNSET else form,
                   sub.cost_field if cost_field is UNSET else cost_field,
                   sub.second_approval_above if second_approval_above is UNSET else second_approval_above)
    checks.done()
    if name is not UNSET:
        await _ensure_unique_name(session, SubService, "service_id", sub.service_id, name.strip(),
                                  exclude_id=sub.id)
    changes = _assign(sub, name=name, description=description, form=form,
                      requires_approval=requires_approval, active=active,
                      default_priority=priority if priority is not None else UNSET, approvers=rule,
                      cost_field=cost_field, second_approval_above=second_approval_above)
    await session.flush()
    if "form" in changes:  # the whole form is no diff anyone reads: say that it changed
        changes["form"] = {"changed": True}
    await _audit(session, actor, sub, "updated", changes)
    return sub
