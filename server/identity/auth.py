"""From a bearer credential to a Principal: an API token, a development token or an SSO access token."""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.db import writer_session
from server.identity.api_tokens import (
    LAST_USED_RESOLUTION,
    authenticate_api_token,
    looks_like_api_token,
    wrong_purpose,
)
from server.identity.models import ApiTokenPurpose, Tenant, User
from server.identity.principal_cache import PrincipalCache
from server.identity.principals import (
    AuthenticationFailed,
    api_token_principal,
    principal_of,
    require_active,
)
from server.identity.sso_users import TenantRule, identity_from_token, sso_principal
from server.identity.tokens import IdentityProviderUnavailable, TokenRejected, TokenVerifier, VerifiedToken
from server.logs import note_caller
from server.outages import IDENTITY_PROVIDER_UNAVAILABLE, ServiceUnavailable
from tenants.context import Principal
from tenants.i18n.messages import Message

__all__ = ["Authentication", "AuthenticationFailed", "Authenticator", "bearer_token", "principal_of"]


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationFailed(Message("the Authorization header must be 'Bearer <token>'"))
    return token.strip()


@dataclass(frozen=True)
class Authentication:
    """An authenticated caller, and when its credential stops being valid (None: until revoked)."""

    principal: Principal
    expires_at: float | None = None
    # The API token that authenticated the caller, if one did (its revocation closes its sockets).
    token_id: int | None = None


class Authenticator:
    def __init__(self, verifier: TokenVerifier, sessions: async_sessionmaker[AsyncSession], *,
                 tenant_rule: TenantRule | None = None,
                 cache: PrincipalCache[Authentication] | None = None) -> None:
        self.verifier = verifier
        self.sessions = sessions
        self.tenant_rule = tenant_rule or TenantRule()
        self.cache: PrincipalCache[Authentication] = cache or PrincipalCache(0)

    async def authenticate(self, authorization: str | None) -> Principal | None:
        """None for an anonymous request; AuthenticationFailed for bad credentials."""
        found = await self.authenticate_bearer(authorization)
        return found.principal if found is not None else None

    async def authenticate_bearer(self, authorization: str | None, *, cached: bool = True,
                                  reader: AsyncSession | None = None) -> Authentication | None:
        """Like `authenticate`, also telling when the credential expires (for long-lived WebSockets);
        `cached` False reads the principal from the database even for a token already seen.

        `reader`: the request's own session, which reads the caller when it must be read (a token
        seen for the first time), so that authentication and the operation share one connection
        and one transaction. What must be written (an SSO user created or brought up to date, an
        API token's last use) is still written in a transaction of its own."""
        found = await self._authenticate_bearer(authorization, cached=cached, reader=reader)
        if found is not None:
            note_caller(found.principal.username, found.principal.tenant_slug)
        return found

    async def _authenticate_bearer(self, authorization: str | None, *, cached: bool = True,
                                   reader: AsyncSession | None = None) -> Authentication | None:
        token = bearer_token(authorization)
        if token is None:
            return None
        if looks_like_api_token(token):
            return await self._cached_api_token(token, cached=cached)
        return await self._verified(token, cached=cached, reader=reader)

    async def _verified(self, token: str, *, cached: bool = True,
                        reader: AsyncSession | None = None) -> Authentication:
        # The signature is checked once per token (TokenVerifier keeps it until the token expires);
        # its expiry and key are checked on every request (a retired key is refused at once). The
        # database's part, the principal, is kept for the token's lifetime too (PrincipalCache).
        try:
            verified = await self.verifier.verify(token)
        except IdentityProviderUnavailable:
            raise  # not the caller's fault: 503, never 401
        except TokenRejected as exc:
            if exc.status == 503:
                # The realm's keys cannot be fetched: the token is not at fault, the client retries.
                raise ServiceUnavailable(IDENTITY_PROVIDER_UNAVAILABLE,
                                         dependency="identity provider") from None
            raise AuthenticationFailed(exc.reason, status=exc.status) from None
        expires_at = verified.claims.get("exp")
        expiry = float(expires_at) if isinstance(expires_at, int | float) else None
        known = self.cache.get(token) if cached else None
        if known is not None:
            return known
        found = await self._principal(verified, expiry, reader)
        self.cache.put(token, found, expires_at=found.expires_at)
        return found

    async def _principal(self, verified: VerifiedToken, expiry: float | None,
                         reader: AsyncSession | None) -> Authentication:
        if verified.local:
            if reader is not None:
                return Authentication(await self._local_principal(reader, verified), expiry)
            async with self.sessions() as session:
                return Authentication(await self._local_principal(session, verified), expiry)
        identity = identity_from_token(verified, self.tenant_rule)
        return Authentication(await sso_principal(self.sessions, identity, reader=reader), expiry)

    async def _cached_api_token(self, raw: str, *, cached: bool) -> Authentication:
        """An API token's caller, kept (by the exact token) no longer than its last use's resolution:
        once the entry lapses the token is read again, and its use recorded, as before."""
        known = self.cache.get(raw) if cached else None
        if known is not None:
            return known
        found = await self._api_token(raw)
        self.cache.put(raw, found, expires_at=time.time() + LAST_USED_RESOLUTION.total_seconds())
        return found

    async def _api_token(self, raw: str) -> Authentication:
        # A writer: the token's last use may be recorded (at most once a minute).
        async with writer_session(self.sessions) as session:
            token = await authenticate_api_token(session, raw, purpose=ApiTokenPurpose.DESK)
            if token is None:
                why = await wrong_purpose(session, raw, expected=ApiTokenPurpose.DESK)
                raise AuthenticationFailed(why or Message("unknown or revoked API token"))
            return Authentication(await api_token_principal(session, token), token_id=token.id)

    async def _local_principal(self, session: AsyncSession, verified: VerifiedToken) -> Principal:
        """The development issuer vouches for any existing user by username (never in production)."""
        sub = verified.claims["sub"]
        stmt = select(User, Tenant).join(Tenant, User.tenant_id == Tenant.id).where(User.username == sub)
        row = (await session.execute(stmt)).first()
        if row is None:
            raise AuthenticationFailed(Message("no groupdesk user {sub} (development issuer)", sub=repr(sub)))
        user, tenant = row
        require_active(user, tenant)
        return await principal_of(session, user, tenant)
