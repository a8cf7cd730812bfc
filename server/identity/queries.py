"""Reading tenants, users and API tokens for the API, each with the caller's rights applied.

`*_by_ids` functions named for a viewer answer Relay's `node(id)`: what the viewer may not see is
simply absent. The others serve relations from an object the viewer already sees (a ticket's
author, a token's account) and apply no rule of their own.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import inspect, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.util import identity_key

from server.identity import api_tokens
from server.identity.models import ApiToken, Tenant, User
from tenants import policy
from tenants.context import Principal


def may_call_api(viewer: Principal) -> bool:
    """Whether an authenticated caller may use the API at all (queries, subscriptions)."""
    return policy.may_use_api(viewer)


async def viewer_account(session: AsyncSession, *,
                         viewer: Principal) -> tuple[User, Tenant] | None:
    """The caller's own user and tenant; None when it may not use the API."""
    if not may_call_api(viewer):
        return None
    user = await session.get(User, viewer.user_id)
    tenant = await session.get(Tenant, viewer.tenant_id)
    if user is None or tenant is None:
        return None
    return user, tenant


async def tenants_by_ids(session: AsyncSession, *, ids: Sequence[int]) -> dict[int, Tenant]:
    """Tenants by id: the federation's members are no secret to any caller (policy.may_list_tenants)."""
    if not ids:
        return {}
    return {t.id: t for t in await session.scalars(select(Tenant).where(Tenant.id.in_(list(ids))))}


async def visible_tenants_by_ids(session: AsyncSession, *, viewer: Principal,
                                 ids: Sequence[int]) -> dict[int, Tenant]:
    """The tenants among `ids` the viewer may see (Relay nodes)."""
    if not policy.may_list_tenants(viewer):
        return {}
    return await tenants_by_ids(session, ids=ids)


async def visible_tenants(session: AsyncSession, *, viewer: Principal) -> Sequence[Tenant]:
    """The federation's members, by slug, for those who may list them."""
    if not policy.may_list_tenants(viewer):
        return []
    return list(await session.scalars(select(Tenant).order_by(Tenant.slug)))


async def users_by_ids(session: AsyncSession, *, ids: Sequence[int]) -> dict[int, User]:
    """Users named by an object the caller already sees (an author, an assignee, an expert).

    Users the session already holds, fully loaded, are taken from it as `session.get` would (a
    SELECT would hand back those same objects); the others are read in one statement."""
    found: dict[int, User] = {}
    for user_id in ids:
        held = session.identity_map.get(identity_key(User, user_id))
        if isinstance(held, User) and not inspect(held).expired_attributes and not inspect(held).deleted:
            found[user_id] = held
    missing = [i for i in ids if i not in found]
    if missing:
        found.update({u.id: u for u in await session.scalars(select(User).where(User.id.in_(missing)))})
    return found


async def visible_users_by_ids(session: AsyncSession, *, viewer: Principal,
                               ids: Sequence[int]) -> dict[int, User]:
    """The users among `ids` the viewer may see (Relay nodes), as policy.may_see_user says."""
    # Roles are a JSON list, which the two databases query differently: the rule is applied
    # to the rows read, by the policy itself.
    found = await users_by_ids(session, ids=ids)
    return {i: u for i, u in found.items()
            if policy.may_see_user(viewer, tenant_id=u.tenant_id, roles=u.roles)}


async def api_tokens_by_ids(session: AsyncSession, *, viewer: Principal,
                            ids: Sequence[int]) -> dict[int, ApiToken]:
    """API tokens by id, for group administrators only (Relay nodes)."""
    if not ids or not policy.may_manage_api_tokens(viewer):
        return {}
    rows = await session.scalars(select(ApiToken).where(ApiToken.id.in_(list(ids))))
    return {t.id: t for t in rows}


async def visible_api_tokens(session: AsyncSession, *, viewer: Principal,
                             tenant_id: int | None) -> Sequence[ApiToken]:
    """Group administrators: API tokens, revoked ones included, of one tenant or all; else none."""
    if not policy.may_manage_api_tokens(viewer):
        return []
    return await api_tokens.list_api_tokens(session, actor=viewer, tenant_id=tenant_id)
