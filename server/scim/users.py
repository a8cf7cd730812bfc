"""Users as the tenant's identity provider writes them: create, update, disable, delete."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import utcnow
from server.errors import Conflict, NotFound, ValidationFailed
from server.identity.linking import placeholder_issuer
from server.identity.models import User
from server.scim.access import apply_group_grants
from server.scim.models import UserGroup, UserGroupMember
from server.scim.rendering import ACTIVE, DISPLAY_NAME
from server.scim.resources import EnterpriseUser
from server.scim.resources import User as UserResource
from server.scim.values import FieldReader, parse_id
from tenants import policy
from tenants.context import Provisioner

MANAGER = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"


def visible_users(actor: Provisioner) -> Select[User]:
    """The people a SCIM token sees: its tenant's users, but technical accounts and those it deleted."""
    return select(User).where(User.tenant_id == policy.provisioned_tenant_id(actor),
                              User.technical.is_(False), User.scim_deleted_at.is_(None))


async def find_user(session: AsyncSession, *, actor: Provisioner, user_id: str) -> User:
    ident = parse_id(user_id)
    user = None if ident is None else await session.scalar(visible_users(actor).where(User.id == ident))
    if user is None:
        raise NotFound("User", user_id)
    return user


async def create_user(session: AsyncSession, *, actor: Provisioner,
                      resource: UserResource[EnterpriseUser]) -> User:
    values = await _values(session, actor, resource)
    owner = await _username_owner(session, values["username"])
    if owner is not None and not (owner.tenant_id == policy.provisioned_tenant_id(actor)
                                  and owner.scim_deleted_at is not None):
        raise Conflict(f"userName {values['username']!r} is already taken")
    if owner is not None:
        # The person comes back (re-assigned in the provider): the same row, so that their past
        # tickets stay theirs.
        user = owner
        user.scim_deleted_at = None
    else:
        user = User(tenant_id=policy.provisioned_tenant_id(actor), issuer=placeholder_issuer(actor),
                    subject=uuid.uuid4().hex, role_names=[])
    _apply(user, values)
    session.add(user)
    await session.flush()
    return user


async def update_user(session: AsyncSession, *, actor: Provisioner, user_id: str,
                      resource: UserResource[EnterpriseUser]) -> User:
    user = await find_user(session, actor=actor, user_id=user_id)
    values = await _values(session, actor, resource)
    owner = await _username_owner(session, values["username"])
    if owner is not None and owner.id != user.id:
        raise Conflict(f"userName {values['username']!r} is already taken")
    _apply(user, values)
    await session.flush()
    return user


async def delete_user(session: AsyncSession, *, actor: Provisioner, user_id: str, prefix: str) -> None:
    """Deactivate and detach: the row stays for the tickets that name the person, SCIM forgets it."""
    user = await find_user(session, actor=actor, user_id=user_id)
    user.scim_deleted_at = utcnow()
    user.active = False
    group_ids = list(await session.scalars(
        select(UserGroupMember.group_id).where(UserGroupMember.user_id == user.id)))
    if group_ids:
        await session.execute(delete(UserGroupMember).where(UserGroupMember.user_id == user.id))
        await session.execute(update(UserGroup).where(UserGroup.id.in_(group_ids))
                              .values(updated_at=utcnow()).execution_options(synchronize_session=False))
    await session.execute(update(User).where(User.manager_id == user.id).values(manager_id=None)
                          .execution_options(synchronize_session="fetch"))
    await apply_group_grants(session, actor=actor, user_ids=[user.id], prefix=prefix)


async def _username_owner(session: AsyncSession, username: str) -> User | None:
    """Who holds this username anywhere, ignoring case (usernames are unique across tenants)."""
    holders = list(await session.scalars(select(User).where(
        or_(User.username == username, func.lower(User.username) == username.lower()))))
    return next((u for u in holders if u.username == username), holders[0] if holders else None)


async def _values(session: AsyncSession, actor: Provisioner,
                  resource: UserResource[EnterpriseUser]) -> dict[str, Any]:
    """The columns a SCIM user sets, each checked; every problem named by its attribute."""
    read = FieldReader()
    values: dict[str, Any] = {
        "username": read.username("userName", resource.user_name),
        "external_id": read.text("externalId", resource.external_id, 255),
        "given_name": read.text("name.givenName", resource.name.given_name if resource.name else None, 150),
        "family_name": read.text("name.familyName", resource.name.family_name if resource.name else None,
                                 150),
        "display_name": read.text("displayName", resource.display_name, 200),
        "active": resource.active,
    }
    emails = [e.model_dump() for e in resource.emails or []]
    values["scim_emails"] = emails or None
    values["email"] = read.primary_email("emails", emails)
    enterprise = resource[EnterpriseUser] or EnterpriseUser()
    values["employee_number"] = read.text(
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
        enterprise.employee_number, 64)
    values["department"] = read.text(
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
        enterprise.department, 200)
    read.raise_problems()
    values["manager_id"] = await _manager_id(
        session, actor, enterprise.manager.value if enterprise.manager else None)
    return values


def _apply(user: User, values: dict[str, Any]) -> None:
    unassigned = set(user.scim_unassigned or ())
    for key, default in ((DISPLAY_NAME, "display_name"), (ACTIVE, "active")):
        (unassigned.add if values[default] is None else unassigned.discard)(key)
    if values["display_name"] is None:
        given = " ".join(p for p in (values["given_name"], values["family_name"]) if p)
        values["display_name"] = (given or values["username"])[:200]
    if values["active"] is None:
        values["active"] = True
    values.update(scim_unassigned=sorted(unassigned) or None, scim_managed=True)
    for key, value in values.items():
        # Only what differs: an update that changes nothing keeps updated_at (the SCIM version).
        if getattr(user, key) != value:
            setattr(user, key, value)


async def _manager_id(session: AsyncSession, actor: Provisioner, raw: str | None) -> int | None:
    if raw is None or not raw.strip():
        return None
    ident = parse_id(raw)
    found = None if ident is None else await session.scalar(
        visible_users(actor).with_only_columns(User.id).where(User.id == ident))
    if found is None:
        raise ValidationFailed({MANAGER: f"no user {raw!r} in this tenant"})
    return int(found)
