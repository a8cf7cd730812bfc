"""Stored users and groups as SCIM resources, a bounded number of statements for any page."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from scim2_models import Meta, Resource
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.identity.models import User
from server.scim.models import UserGroup, UserGroupMember
from server.scim.resources import (
    Email,
    EnterpriseUser,
    GroupMember,
    GroupMembership,
    GroupModel,
    Manager,
    Name,
    UserModel,
)

# Attributes groupdesk fills with a default when the provider leaves them unassigned.
DISPLAY_NAME = "displayName"
ACTIVE = "active"


def version_of(updated_at: dt.datetime) -> str:
    """A weak version that changes whenever the row does (updated_at moves on every write)."""
    return f'W/"{int(updated_at.timestamp() * 1_000_000)}"'


def _meta(resource_type: str, created: dt.datetime, updated: dt.datetime) -> Meta:
    return Meta(resource_type=resource_type, created=created, last_modified=updated,
                version=version_of(updated))


def user_resource(user: User, groups: Sequence[tuple[int, str]] = ()) -> Resource[Any]:
    unassigned = set(user.scim_unassigned or ())
    if user.scim_emails is not None:
        emails = [Email.model_validate(entry) for entry in user.scim_emails] or None
    else:  # a user the provider has not written yet: what groupdesk knows
        emails = [Email(value=user.email, primary=True)] if user.email else None
    name = (Name(given_name=user.given_name, family_name=user.family_name)
            if user.given_name is not None or user.family_name is not None else None)
    manager = (Manager(value=str(user.manager_id), ref=f"Users/{user.manager_id}")
               if user.manager_id is not None else None)
    enterprise = (EnterpriseUser(employee_number=user.employee_number, department=user.department,
                                 manager=manager)
                  if (user.employee_number, user.department, manager) != (None, None, None) else None)
    # The EnterpriseUser field is added to the model at runtime, unknown to the type checker.
    return UserModel(  # type: ignore[call-arg]
        id=str(user.id),
        external_id=user.external_id,
        user_name=user.username,
        name=name,
        display_name=None if DISPLAY_NAME in unassigned else user.display_name,
        # Unassigned reads back as unassigned only while it still means "active".
        active=None if ACTIVE in unassigned and user.active else user.active,
        emails=emails,
        groups=[GroupMembership(value=str(group_id), ref=f"Groups/{group_id}", display=group_name)
                for group_id, group_name in groups] or None,
        EnterpriseUser=enterprise,
        meta=_meta("User", user.created_at, user.updated_at),
    )


async def user_resources(session: AsyncSession, users: Sequence[User]) -> list[Resource[Any]]:
    groups: dict[int, list[tuple[int, str]]] = defaultdict(list)
    if users:
        rows = await session.execute(
            select(UserGroupMember.user_id, UserGroup.id, UserGroup.display_name)
            .join(UserGroup, UserGroup.id == UserGroupMember.group_id)
            .where(UserGroupMember.user_id.in_([u.id for u in users]))
            .order_by(UserGroup.id))
        for user_id, group_id, display_name in rows:
            groups[user_id].append((group_id, display_name))
    return [user_resource(user, groups[user.id]) for user in users]


def group_resource(group: UserGroup, member_ids: Sequence[int] = ()) -> Resource[Any]:
    return GroupModel(
        id=str(group.id),
        external_id=group.external_id,
        display_name=group.display_name,
        members=[GroupMember(value=str(user_id), ref=f"Users/{user_id}", type="User")
                 for user_id in member_ids] or None,
        meta=_meta("Group", group.created_at, group.updated_at),
    )


async def member_ids_of(session: AsyncSession, group_ids: Sequence[int]) -> dict[int, list[int]]:
    """Members of each group; users deleted by SCIM are no longer members of anything."""
    members: dict[int, list[int]] = defaultdict(list)
    if group_ids:
        rows = await session.execute(
            select(UserGroupMember.group_id, UserGroupMember.user_id)
            .join(User, User.id == UserGroupMember.user_id)
            .where(UserGroupMember.group_id.in_(group_ids), User.scim_deleted_at.is_(None))
            .order_by(UserGroupMember.user_id))
        for group_id, user_id in rows:
            members[group_id].append(user_id)
    return members


async def group_resources(session: AsyncSession, groups: Sequence[UserGroup], *,
                          with_members: bool = True) -> list[Resource[Any]]:
    members = await member_ids_of(session, [g.id for g in groups]) if with_members else {}
    return [group_resource(group, members.get(group.id, ())) for group in groups]
