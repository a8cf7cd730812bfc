"""Designating and revoking experts on a brick, service or sub-service (the rows are identity's)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.catalog.models import Brick, Service, SubService
from server.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from server.audit.record import record
from server.identity.administration import find_user
from server.identity.models import ExpertDesignation, User
from tenants import policy
from tenants.context import Principal, Role
from tenants.i18n.messages import Message


async def resolve_scope(session: AsyncSession, *, brick_id: int | None, service_id: int | None,
                        sub_service_id: int | None) -> tuple[int, int | None, int | None]:
    """The (brick, service, sub-service) ids of a scope given by its most specific id."""
    given = [x for x in (brick_id, service_id, sub_service_id) if x is not None]
    if len(given) != 1:
        raise ValidationFailed({"scope": Message("give exactly one of brick, service or sub-service")})
    if sub_service_id is not None:
        sub = await session.get(SubService, sub_service_id)
        if sub is None:
            raise NotFound("sub-service", sub_service_id)
        service = await session.get(Service, sub.service_id)
        assert service is not None
        return service.brick_id, service.id, sub.id
    if service_id is not None:
        service = await session.get(Service, service_id)
        if service is None:
            raise NotFound("service", service_id)
        return service.brick_id, service.id, None
    assert brick_id is not None
    if await session.get(Brick, brick_id) is None:
        raise NotFound("brick", brick_id)
    return brick_id, None, None


async def designate_expert(session: AsyncSession, *, actor: Principal, user_id: int | None = None,
                           username: str | None = None, brick_id: int | None = None,
                           service_id: int | None = None,
                           sub_service_id: int | None = None) -> ExpertDesignation:
    """Designate a user, named by id or else by username, on one brick, service or sub-service."""
    if not policy.may_designate_experts(actor):
        raise PermissionDenied(Message("only group administrators designate experts"))
    if user_id is not None and username is not None:
        raise ValidationFailed({"username": Message("give userId or username, not both")})
    user = await find_user(session, user_id=user_id, username=username)
    user_id = user.id
    if not user.active:
        raise ValidationFailed({"user": Message("the user is deactivated")})
    if Role.EXPERT not in user.roles:
        raise ValidationFailed({"user": Message("{name} does not have the expert role", name=user.username)})
    scope_ids = await resolve_scope(session, brick_id=brick_id, service_id=service_id,
                                    sub_service_id=sub_service_id)
    scope = ExpertDesignation.scope_of(*scope_ids)
    existing = await session.scalar(select(ExpertDesignation).where(
        ExpertDesignation.user_id == user_id, ExpertDesignation.scope == scope))
    if existing is not None:
        raise Conflict(Message("{name} is already designated on {scope}", name=user.username, scope=scope))
    designation = ExpertDesignation(user_id=user_id, brick_id=scope_ids[0], service_id=scope_ids[1],
                                    sub_service_id=scope_ids[2], scope=scope)
    session.add(designation)
    await session.flush()
    await record(session, actor=actor, action="designation.created", target_kind="designation",
                 target_id=designation.id, tenant_id=user.tenant_id,
                 changes={"username": user.username, "scope": scope})
    return designation


async def revoke_expert(session: AsyncSession, *, actor: Principal, designation_id: int) -> int:
    if not policy.may_designate_experts(actor):
        raise PermissionDenied(Message("only group administrators revoke experts"))
    designation = await session.get(ExpertDesignation, designation_id)
    if designation is None:
        raise NotFound("designation", designation_id)
    user = await session.get(User, designation.user_id)
    assert user is not None
    await session.delete(designation)
    await session.flush()
    await record(session, actor=actor, action="designation.revoked", target_kind="designation",
                 target_id=designation_id, tenant_id=user.tenant_id,
                 changes={"username": user.username, "scope": designation.scope})
    return designation_id

