"""Principals of demo users, built the way the Authenticator builds them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.identity.principals import principal_of
from server.identity.models import Tenant, User
from tenants.context import Principal


async def principal(session: AsyncSession, username: str) -> Principal:
    user = await session.scalar(select(User).where(User.username == username))
    assert user is not None, f"no demo user {username}"
    tenant = await session.get(Tenant, user.tenant_id)
    assert tenant is not None
    return await principal_of(session, user, tenant)


async def tenant_id(session: AsyncSession, slug: str) -> int:
    found = await session.scalar(select(Tenant.id).where(Tenant.slug == slug))
    assert found is not None, f"no tenant {slug}"
    return found
