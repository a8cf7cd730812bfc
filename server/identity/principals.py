"""The caller as the policy sees it, built from a stored user; and why a caller is refused."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.identity.models import ApiToken, ExpertDesignation, Tenant, User
from server.identity.open_sockets import SocketHolder
from tenants import policy
from tenants.context import Designation, Principal
from tenants.i18n import language_of
from tenants.i18n.messages import Message


class AuthenticationFailed(Exception):
    """The request carries credentials that do not identify an active user (401/403)."""

    def __init__(self, message: str, *, status: int = 401) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def require_active(user: User, tenant: Tenant) -> None:
    """Refuse a deactivated user or tenant, naming which (403: the credentials themselves are fine)."""
    if not user.active:
        raise AuthenticationFailed(Message("user {username} is deactivated", username=user.username), status=403)
    if not tenant.active:
        raise AuthenticationFailed(Message("tenant {slug} is deactivated", slug=tenant.slug), status=403)


async def designations_of(session: AsyncSession, user_id: int) -> frozenset[Designation]:
    """Where the user is designated, exactly as stored (brick, service, sub-service)."""
    rows = await session.execute(
        select(ExpertDesignation.brick_id, ExpertDesignation.service_id,
               ExpertDesignation.sub_service_id).where(ExpertDesignation.user_id == user_id))
    return frozenset(Designation(*row) for row in rows)


async def principal_of(session: AsyncSession, user: User, tenant: Tenant, *,
                       api_token_id: int | None = None) -> Principal:
    return Principal(
        user_id=user.id, username=user.username, tenant_id=tenant.id, tenant_slug=tenant.slug,
        tenant_kind=tenant.kind, roles=policy.effective_roles(user.roles, tenant.kind),
        designations=await designations_of(session, user.id), technical=user.technical,
        api_token_id=api_token_id,
        language=language_of(user.language, tenant.language),
    )


async def api_token_principal(session: AsyncSession, token: ApiToken) -> Principal:
    """The technical account a live API token acts as, scoped to the token's tenant."""
    user = await session.get(User, token.user_id)
    tenant = await session.get(Tenant, token.tenant_id)
    assert user is not None and tenant is not None  # foreign keys
    if user.tenant_id != tenant.id:
        raise AuthenticationFailed(Message("API token {prefix}... acts for {slug}, but its account "
                                           "{username} no longer belongs to it", prefix=token.prefix,
                                           slug=tenant.slug, username=user.username), status=403)
    require_active(user, tenant)
    return await principal_of(session, user, tenant, api_token_id=token.id)


async def holder_problem(session: AsyncSession, holder: SocketHolder) -> Message | None:
    """Why a connection's holder may no longer act (revoked, deactivated, moved), or None.

    Two indexed reads at most: cheap enough for every operation started over a WebSocket.
    """
    row = (await session.execute(
        select(User.username, User.active, User.tenant_id, Tenant.slug, Tenant.active)
        .join(Tenant, Tenant.id == holder.tenant_id).where(User.id == holder.user_id))).first()
    if row is None:
        return Message("the account no longer exists")
    username, user_active, user_tenant_id, slug, tenant_active = row
    if holder.token_id is not None:
        token = (await session.execute(select(ApiToken.prefix, ApiToken.revoked_at)
                                       .where(ApiToken.id == holder.token_id))).first()
        if token is None or token.revoked_at is not None:
            return Message("API token {prefix}... was revoked", prefix=token.prefix if token else "")
    if not user_active:
        return Message("user {username} is deactivated", username=username)
    if not tenant_active:
        return Message("tenant {slug} is deactivated", slug=slug)
    if user_tenant_id != holder.tenant_id:
        return Message("user {username} no longer belongs to tenant {slug}", username=username, slug=slug)
    return None
