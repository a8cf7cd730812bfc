"""The door of the API: rate limits around authentication, for HTTP requests and WebSockets alike."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from server.identity.auth import Authentication, Authenticator, AuthenticationFailed
from server.instruments import LOGIN_FAILURES, login_failure_reason
from server.identity.rate_limits import RateLimited, RateLimits
from tenants.context import Principal

__all__ = ["AuthenticationGate", "RateLimited"]


def principal_key(principal: Principal) -> str:
    """The per-caller rate limit key: the account, whichever credential it uses."""
    return f"user:{principal.user_id}"


class AuthenticationGate:
    """Authenticates a bearer credential, refusing addresses that failed too often and busy callers.

    A blocked address is refused before its credential is even looked at (RateLimited); a failed
    authentication counts against the address; a success counts one request of the caller.
    """

    def __init__(self, authenticator: Authenticator, limits: RateLimits | None = None) -> None:
        self.authenticator = authenticator
        self.limits = limits

    async def admit(self, authorization: str | None, address: str | None, *,
                    cached: bool = True, reader: AsyncSession | None = None) -> Authentication | None:
        """None for an anonymous request; AuthenticationFailed, RateLimited or IdentityProviderUnavailable.

        `cached` False reads the caller from the database even when the token was seen (a new
        WebSocket: it authenticates once for a long time, and must meet an outage at its door).
        `reader`: the request's session, for what authentication reads (Authenticator)."""
        if not authorization:
            return await self.authenticator.authenticate_bearer(authorization)
        if self.limits is not None and address:
            try:
                await self.limits.refuse_blocked_address(address)
            except RateLimited:
                LOGIN_FAILURES.labels("rate_limited").inc()
                raise
        try:
            found = await self.authenticator.authenticate_bearer(authorization, cached=cached, reader=reader)
        except AuthenticationFailed as exc:
            LOGIN_FAILURES.labels(login_failure_reason(exc.message)).inc()
            if self.limits is not None and address:
                await self.limits.record_failed_authentication(address)
            raise
        if found is not None:
            await self.count(found.principal)
        return found

    async def count(self, principal: Principal) -> None:
        """One more request (or WebSocket operation) of an authenticated caller."""
        if self.limits is not None:
            await self.limits.count_request(principal_key(principal))
