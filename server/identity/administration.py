"""Group administrators administer users: roles, deactivation and reactivation, moves between schools.

Each change is checked against the policy (who may, which roles a tenant kind gives), recorded in the
audit trail in the same transaction, and a deactivation is announced (server.identity.departures) so
that the person's open tickets go back to routing.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.audit.record import record
from server.errors import NotFound, PermissionDenied, ValidationFailed
from server.identity.departures import Departure, announce
from server.identity.models import Tenant, User
from tenants import policy
from tenants.context import Operator, Principal, Role

Actor = Principal | Operator


def _require_admin(actor: Actor) -> None:
    if not policy.may_administer_users(actor):
        raise PermissionDenied("only group administrators administer users")


async def find_user(session: AsyncSession, *, user_id: int | None = None, username: str | None = None,
                    field: str = "userId") -> User:
    """A user by id, or else by username (ignoring case); NotFound naming `field` otherwise."""
    if user_id is not None:
        user = await session.get(User, user_id)
        if user is None:
            raise NotFound("user", user_id, field=field)
        return user
    if username is None or not username.strip():
        raise ValidationFailed({field: "give the user's id or username"})
    wanted = username.strip()
    found = list(await session.scalars(select(User).where(
        func.lower(User.username) == wanted.lower()).order_by(User.id)))
    exact = next((u for u in found if u.username == wanted), found[0] if len(found) == 1 else None)
    if exact is None:
        raise NotFound("user", wanted, field="username")
    return exact


def _roles(values: Iterable[Role | str]) -> tuple[list[str], list[str]]:
    """(known role values, unknown names)."""
    known, unknown = [], []
    for value in values:
        try:
            known.append(Role(value).value)
        except ValueError:
            unknown.append(str(value))
    return sorted(set(known)), unknown


async def set_roles(session: AsyncSession, *, actor: Actor, user_id: int, roles: Iterable[Role | str]) -> User:
    """Give a user exactly these roles, among those their tenant's kind allows."""
    _require_admin(actor)
    user = await find_user(session, user_id=user_id)
    tenant = await session.get(Tenant, user.tenant_id)
    assert tenant is not None
    wanted, unknown = _roles(roles)
    allowed = policy.roles_a_user_may_hold(tenant.kind, technical=user.technical)
    refused = [r for r in wanted if Role(r) not in allowed] + unknown
    if refused:
        kind = "a technical account" if user.technical else f"a user of a {tenant.kind.value} tenant"
        raise ValidationFailed({"roles": f"{', '.join(refused)} cannot be given to {kind}; allowed: "
                                         + ", ".join(sorted(r.value for r in allowed))})
    if user.scim_managed:
        raise ValidationFailed({"roles": f"{user.username}'s roles come from {tenant.slug}'s SCIM "
                                         "provider: change their groups there"})
    before = sorted(user.role_names)
    user.roles_administered = True
    if before != wanted:
        user.role_names = wanted
        await session.flush()
        await record(session, actor=actor, action="user.roles_set", target_kind="user", target_id=user.id,
                     tenant_id=user.tenant_id, changes={"username": user.username,
                                                        "roles": {"from": before, "to": wanted}})
    return user


async def deactivate_user(session: AsyncSession, *, actor: Actor, user_id: int) -> User:
    """Deactivate a user: they can no longer log in, and their open tickets go back to routing."""
    _require_admin(actor)
    user = await find_user(session, user_id=user_id)
    if isinstance(actor, Principal) and actor.user_id == user.id:
        raise ValidationFailed({"id": "you cannot deactivate yourself"})
    if user.active:
        user.active = False
        await session.flush()
        await record(session, actor=actor, action="user.deactivated", target_kind="user",
                     target_id=user.id, tenant_id=user.tenant_id,
                     changes={"username": user.username, "active": {"from": True, "to": False}})
        await announce(session, Departure(user.id, user.username, "was deactivated by a group administrator"))
    return user


async def reactivate_user(session: AsyncSession, *, actor: Actor, user_id: int) -> User:
    """Let a deactivated user log in again (their tickets, rerouted meanwhile, stay where they went)."""
    _require_admin(actor)
    user = await find_user(session, user_id=user_id)
    if user.scim_deleted_at is not None or (user.scim_managed and not user.active):
        raise ValidationFailed({"id": f"{user.username} was disabled by their school's SCIM provider: "
                                      "it enables them again"})
    if not user.active:
        user.active = True
        await session.flush()
        await record(session, actor=actor, action="user.reactivated", target_kind="user",
                     target_id=user.id, tenant_id=user.tenant_id,
                     changes={"username": user.username, "active": {"from": False, "to": True}})
    return user


async def move_user(session: AsyncSession, *, actor: Actor, user_id: int, tenant_id: int) -> User:
    """Move a person to another tenant; roles the new tenant's kind does not give are dropped.

    An explicit act: no login, token or SCIM feed moves a user. Technical accounts belong to their
    school (its desk, its tokens) and are never moved.
    """
    _require_admin(actor)
    user = await find_user(session, user_id=user_id)
    target = await session.get(Tenant, tenant_id)
    if target is None:
        raise NotFound("tenant", tenant_id, field="tenantId")
    if user.technical:
        raise ValidationFailed({"userId": f"{user.username} is a technical account: it stays with its "
                                          "school; create one for the other school instead"})
    if target.id == user.tenant_id:
        raise ValidationFailed({"tenantId": f"{user.username} already belongs to {target.slug}"})
    if not target.active:
        raise ValidationFailed({"tenantId": f"tenant {target.slug} is deactivated"})
    source = await session.get(Tenant, user.tenant_id)
    assert source is not None
    allowed = policy.roles_a_user_may_hold(target.kind, technical=False)
    kept = sorted(r for r in user.role_names if r in {a.value for a in allowed})
    changes = {"username": user.username, "tenant": {"from": source.slug, "to": target.slug}}
    if kept != sorted(user.role_names):
        changes["roles"] = {"from": sorted(user.role_names), "to": kept}
    user.tenant_id, user.role_names = target.id, kept
    # The old school's SCIM provider no longer owns the person; the new one may claim them.
    user.scim_managed = False
    await session.flush()
    # Both schools' managers read the move in their audit trail.
    for tenant in (source, target):
        await record(session, actor=actor, action="user.moved", target_kind="user", target_id=user.id,
                     tenant_id=tenant.id, changes=changes)
    return user
