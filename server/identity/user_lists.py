"""Finding users: the `users` list, filtered and paged, with the caller's scope applied in SQL.

tenants.policy.user_scope says whom a caller lists (group admins everyone, a school's managers their
school) and every caller lists the experts; this module turns that, and the filters, into WHERE clauses.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, String, cast, false, func, or_, true
from sqlalchemy.ext.asyncio import AsyncSession

from server import pagination
from server.identity.models import User
from server.pagination import ById, Page, PageArgs
from tenants import policy
from tenants.context import Principal, Role

USER_ORDER = ById(list_name="users", column=User.id)
TEXT_MAX = 200


@dataclass(frozen=True, slots=True)
class UserFilter:
    """What the caller looks for; every field given narrows the list."""

    tenant_id: int | None = None
    role: Role | None = None
    active: bool | None = None
    # A part of the name, username or e-mail, ignoring case.
    text: str | None = None


def has_role(role: Role) -> ColumnElement[bool]:
    """Users holding `role`: the JSON list as text holds the quoted name on both databases."""
    return cast(User.role_names, String).like(f'%"{role.value}"%')


def _contains(text: str) -> ColumnElement[bool]:
    escaped = text.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    return or_(*(func.lower(column).like(pattern, escape="\\")
                 for column in (User.username, User.display_name, User.email)))


def visible_users(viewer: Principal) -> ColumnElement[bool]:
    """The users the viewer may list (policy.user_scope), experts always included."""
    scope = policy.user_scope(viewer)
    if scope.all:
        return true()
    school = User.tenant_id.in_(sorted(scope.tenant_ids)) if scope.tenant_ids else false()
    return or_(school, has_role(Role.EXPERT))


def conditions(viewer: Principal, found: UserFilter) -> list[ColumnElement[bool]]:
    where = [visible_users(viewer)]
    if found.tenant_id is not None:
        where.append(User.tenant_id == found.tenant_id)
    if found.role is not None:
        where.append(has_role(found.role))
    if found.active is not None:
        where.append(User.active.is_(found.active))
    if found.text is not None and found.text.strip():
        where.append(_contains(found.text[:TEXT_MAX]))
    return where


async def users_page(session: AsyncSession, *, viewer: Principal, found: UserFilter, page: PageArgs,
                     max_page_size: int) -> Page[User]:
    """A keyset page of the users the viewer may list that match the filter, oldest first."""
    result: Page[User] = await pagination.read_page(session, User, conditions(viewer, found),
                                                    order=USER_ORDER, page=page,
                                                    max_page_size=max_page_size)
    return result
