"""From a bearer token to a Principal: verify the token, then find the active user and tenant."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.catalog.experts import designated_brick_ids
from server.db import writer_session
from server.identity.api_tokens import authenticate_api_token, looks_like_api_token
from server.identity.models import ApiToken, ApiTokenPurpose, Tenant, User
from server.identity.tokens import TokenRejected, TokenVerifier, VerifiedToken
from tenants.context import Principal


class AuthenticationFailed(Exception):
    """The request carries credentials that do not identify an active user (401/403)."""

    def __init__(self, message: str, *, status: int = 401) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationFailed("the Authorization header must be 'Bearer <token>'")
    return token.strip()


async def principal_of(session: AsyncSession, user: User, tenant: Tenant) -> Principal:
    return Principal(
        user_id=user.id, username=user.username, tenant_id=tenant.id, tenant_slug=tenant.slug,
        tenant_kind=tenant.kind, roles=user.roles,
        expert_brick_ids=await designated_brick_ids(session, user.id), technical=user.technical,
    )


async def api_token_principal(session: AsyncSession, token: ApiToken) -> Principal:
    """The technical account a live API token acts as, scoped to the token's tenant."""
    user = await session.get(User, token.user_id)
    tenant = await session.get(Tenant, token.tenant_id)
    assert user is not None and tenant is not None  # foreign keys
    if user.tenant_id != tenant.id:
        raise AuthenticationFailed(f"API token {token.prefix}... acts for {tenant.slug}, but its account "
                                   f"{user.username} no longer belongs to it", status=403)
    if not user.active:
        raise AuthenticationFailed(f"user {user.username} is deactivated", status=403)
    if not tenant.active:
        raise AuthenticationFailed(f"tenant {tenant.slug} is deactivated", status=403)
    return await principal_of(session, user, tenant)


class Authenticator:
    def __init__(self, verifier: TokenVerifier, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.verifier = verifier
        self.sessions = sessions

    async def authenticate(self, authorization: str | None) -> Principal | None:
        """None for an anonymous request; AuthenticationFailed for bad credentials."""
        token = bearer_token(authorization)
        if token is None:
            return None
        if looks_like_api_token(token):
            return await self._api_token(token)
        try:
            verified = await self.verifier.verify(token)
        except TokenRejected as exc:
            raise AuthenticationFailed(exc.reason, status=exc.status) from None
        async with self.sessions() as session:
            return await self._principal(session, verified)

    async def _api_token(self, raw: str) -> Principal:
        # A writer: the token's last use may be recorded (at most once a minute).
        async with writer_session(self.sessions) as session:
            token = await authenticate_api_token(session, raw, purpose=ApiTokenPurpose.DESK)
            if token is None:
                raise AuthenticationFailed("unknown or revoked API token")
            return await api_token_principal(session, token)

    async def _principal(self, session: AsyncSession, verified: VerifiedToken) -> Principal:
        sub = verified.claims["sub"]
        stmt = select(User, Tenant).join(Tenant, User.tenant_id == Tenant.id)
        if verified.local:
            # The development issuer vouches for any user by username (never in production).
            stmt = stmt.where(User.username == sub)
        else:
            stmt = stmt.where(User.issuer == verified.issuer, User.subject == sub)
        row = (await session.execute(stmt)).first()
        if row is None:
            raise AuthenticationFailed(f"no groupdesk user for subject {sub!r} of {verified.issuer}")
        user, tenant = row
        if not user.active:
            raise AuthenticationFailed(f"user {user.username} is deactivated", status=403)
        if not tenant.active:
            raise AuthenticationFailed(f"tenant {tenant.slug} is deactivated", status=403)
        return await principal_of(session, user, tenant)
