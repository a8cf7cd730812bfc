"""Roles and expert designations that follow a provisioned user's SCIM groups."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.audit.record import record
from server.catalog.models import Brick
from server.identity.models import ExpertDesignation, User
from server.scim.group_roles import Grants, grants_of_groups
from server.scim.models import UserGroup, UserGroupMember
from tenants import policy
from tenants.context import Provisioner, Role


async def apply_group_grants(session: AsyncSession, *, actor: Provisioner, user_ids: Collection[int],
                             prefix: str) -> None:
    """Recompute, from their groups, what the tenant's identity provider may grant these users.

    Roles the provider may not grant (policy.roles_provisioning_may_grant) are kept as they are;
    so are expert designations made by hand: only `provisioned` ones come and go with the groups,
    and only the group's provider makes them (policy.may_provision_expert_designations); a
    school's recompute also withdraws any designation its groups made before that rule.
    """
    if not user_ids:
        return
    tenant_id = policy.provisioned_tenant_id(actor)
    grantable = policy.roles_provisioning_may_grant(actor)
    # Locked, in id order, before the memberships are read: two requests changing the groups of one
    # user then recompute one after the other, the second seeing the first's memberships.
    users = list(await session.scalars(
        select(User).where(User.id.in_(user_ids), User.tenant_id == tenant_id)
        .order_by(User.id).with_for_update().execution_options(populate_existing=True)))
    names: dict[int, list[str]] = defaultdict(list)
    rows = await session.execute(
        select(UserGroupMember.user_id, UserGroup.display_name)
        .join(UserGroup, UserGroup.id == UserGroupMember.group_id)
        .where(UserGroupMember.user_id.in_(user_ids), UserGroup.tenant_id == tenant_id))
    for user_id, display_name in rows:
        names[user_id].append(display_name)
    designates = policy.may_provision_expert_designations(actor)
    grants = {user.id: _allowed(grants_of_groups(names[user.id], prefix=prefix), grantable, designates)
              for user in users}

    grantable_names = {role.value for role in grantable}
    for user in users:
        kept = {name for name in user.role_names if name not in grantable_names}
        roles = sorted(kept | {role.value for role in grants[user.id].roles})
        if roles != user.role_names:
            await record(session, actor=actor, action="scim.user.roles_set", target_kind="user",
                         target_id=user.id, tenant_id=tenant_id,
                         changes={"username": user.username,
                                  "roles": {"from": sorted(user.role_names), "to": roles}})
            user.role_names = roles
        user.scim_managed = True
    await _designate_experts(session, grants)
    await session.flush()


def _allowed(grants: Grants, grantable: frozenset[Role], designates: bool) -> Grants:
    if Role.EXPERT not in grantable or not designates:
        # A school's groupdesk-expert-<brick> is then an ordinary expert group: the role only.
        return Grants(roles=grants.roles & grantable)
    return Grants(roles=grants.roles & grantable, expert_bricks=grants.expert_bricks)


async def _designate_experts(session: AsyncSession, grants: dict[int, Grants]) -> None:
    """Brick-level designations for expert pools: add the missing, remove the provisioned extra."""
    codes = set().union(*(g.expert_bricks for g in grants.values()))
    bricks = {code: brick_id for code, brick_id in await session.execute(
        select(Brick.code, Brick.id).where(Brick.code.in_(codes)))} if codes else {}
    existing = list(await session.scalars(select(ExpertDesignation).where(
        ExpertDesignation.user_id.in_(grants),
        ExpertDesignation.service_id.is_(None), ExpertDesignation.sub_service_id.is_(None))))
    held: dict[int, dict[int, ExpertDesignation]] = defaultdict(dict)
    for designation in existing:
        held[designation.user_id][designation.brick_id] = designation
    for user_id, grant in grants.items():
        wanted = {bricks[code] for code in grant.expert_bricks if code in bricks}
        for brick_id, designation in held[user_id].items():
            if designation.provisioned and brick_id not in wanted:
                await session.delete(designation)
        for brick_id in wanted - held[user_id].keys():
            session.add(ExpertDesignation(user_id=user_id, brick_id=brick_id, service_id=None,
                                          sub_service_id=None, provisioned=True,
                                          scope=ExpertDesignation.scope_of(brick_id, None, None)))
