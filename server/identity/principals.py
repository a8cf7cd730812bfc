"""The caller as the policy sees it, built from a stored user; and why a caller is refused."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from server.catalog.experts import designations_of
from server.identity.models import ApiToken, Tenant, User
from tenants import policy
from tenants.context import Principal


class AuthenticationFailed(Exception):
    """The request carries credentials that do not identify an active user (401/403)."""

    def __init__(self, message: str, *, status: int = 401) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def require_active(user: User, tenant: Tenant) -> None:
    """Refuse a deactivated user or tenant, naming which (403: the credentials themselves are fine)."""
    if not user.active:
        raise AuthenticationFailed(f"user {user.username} is deactivated", status=403)
    if not tenant.active:
        raise AuthenticationFailed(f"tenant {tenant.slug} is deactivated", status=403)


async def principal_of(session: AsyncSession, user: User, tenant: Tenant) -> Principal:
    return Principal(
        user_id=user.id, username=user.username, tenant_id=tenant.id, tenant_slug=tenant.slug,
        tenant_kind=tenant.kind, roles=policy.effective_roles(user.roles, tenant.kind),
        designations=await designations_of(session, user.id), technical=user.technical,
    )


async def api_token_principal(session: AsyncSession, token: ApiToken) -> Principal:
    """The technical account a live API token acts as, scoped to the token's tenant."""
    user = await session.get(User, token.user_id)
    tenant = await session.get(Tenant, token.tenant_id)
    assert user is not None and tenant is not None  # foreign keys
    if user.tenant_id != tenant.id:
        raise AuthenticationFailed(f"API token {token.prefix}... acts for {tenant.slug}, but its account "
                                   f"{user.username} no longer belongs to it", status=403)
    require_active(user, tenant)
    return await principal_of(session, user, tenant)
