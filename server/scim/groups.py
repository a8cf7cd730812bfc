"""Groups as the tenant's identity provider writes them; membership changes move roles along."""

from __future__ import annotations

from sqlalchemy import Select, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import utcnow
from server.errors import NotFound
from server.identity.models import User
from server.scim.access import apply_group_grants
from server.scim.group_roles import grants_of_group
from server.scim.models import UserGroup, UserGroupMember
from server.scim.resources import Group
from server.scim.users import visible_users
from server.scim.values import FieldReader, parse_id
from tenants import policy
from tenants.context import Provisioner


def visible_groups(actor: Provisioner) -> Select[UserGroup]:
    return select(UserGroup).where(UserGroup.tenant_id == policy.provisioned_tenant_id(actor))


async def find_group(session: AsyncSession, *, actor: Provisioner, group_id: str) -> UserGroup:
    ident = parse_id(group_id)
    group = None if ident is None else await session.scalar(
        visible_groups(actor).where(UserGroup.id == ident))
    if group is None:
        raise NotFound("Group", group_id)
    return group


async def create_group(session: AsyncSession, *, actor: Provisioner, resource: Group,
                       prefix: str) -> UserGroup:
    display_name, external_id, member_ids = await _read(session, actor, resource)
    group = UserGroup(tenant_id=policy.provisioned_tenant_id(actor), display_name=display_name,
                      external_id=external_id)
    session.add(group)
    await session.flush()
    session.add_all(UserGroupMember(group_id=group.id, user_id=user_id) for user_id in member_ids)
    await session.flush()
    await apply_group_grants(session, actor=actor, user_ids=member_ids, prefix=prefix)
    return group


async def update_group(session: AsyncSession, *, actor: Provisioner, group_id: str,
                       resource: Group, prefix: str) -> UserGroup:
    group = await find_group(session, actor=actor, group_id=group_id)
    display_name, external_id, wanted = await _read(session, actor, resource)
    current = set(await session.scalars(
        select(UserGroupMember.user_id).where(UserGroupMember.group_id == group.id)))
    gone, new = current - wanted, wanted - current
    if gone:
        await session.execute(delete(UserGroupMember).where(
            UserGroupMember.group_id == group.id, UserGroupMember.user_id.in_(gone)))
    session.add_all(UserGroupMember(group_id=group.id, user_id=user_id) for user_id in new)
    renamed = (grants_of_group(display_name, prefix=prefix)
               != grants_of_group(group.display_name, prefix=prefix))
    if group.display_name != display_name:
        group.display_name = display_name
    if group.external_id != external_id:
        group.external_id = external_id
    if gone or new:
        group.updated_at = utcnow()  # the members are part of the resource and of its version
    await session.flush()
    # A rename can change what the group grants: then every member's roles follow.
    await apply_group_grants(session, actor=actor, user_ids=(current | wanted) if renamed else (gone | new),
                             prefix=prefix)
    return group


async def delete_group(session: AsyncSession, *, actor: Provisioner, group_id: str, prefix: str) -> None:
    group = await find_group(session, actor=actor, group_id=group_id)
    members = set(await session.scalars(
        select(UserGroupMember.user_id).where(UserGroupMember.group_id == group.id)))
    await session.execute(delete(UserGroupMember).where(UserGroupMember.group_id == group.id))
    await session.delete(group)
    await session.flush()
    await apply_group_grants(session, actor=actor, user_ids=members, prefix=prefix)


async def _read(session: AsyncSession, actor: Provisioner,
                resource: Group) -> tuple[str, str | None, set[int]]:
    read = FieldReader()
    display_name = read.required("displayName", resource.display_name, 256)
    external_id = read.text("externalId", resource.external_id, 255)
    given: dict[str, int | None] = {}
    for member in resource.members or []:
        if member.type is not None and member.type.casefold() != "user":
            read.problem("members", f"only users can be members (got type {member.type!r})")
        elif member.value is not None:
            given[member.value] = parse_id(member.value)
    ids = {i for i in given.values() if i is not None}
    found = set(await session.scalars(
        visible_users(actor).with_only_columns(User.id).where(User.id.in_(ids)))) if ids else set()
    unknown = sorted(raw for raw, ident in given.items() if ident not in found)
    if unknown:
        # The same words for a user of another tenant and for none at all: nothing leaks.
        read.problem("members", "no user " + ", ".join(repr(u) for u in unknown) + " in this tenant")
    read.raise_problems()
    return display_name, external_id, found
