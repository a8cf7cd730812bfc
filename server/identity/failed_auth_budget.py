"""The failed-authentication budget of a client address, for the doors outside GraphQL.

/scim/v2 (a wrong SCIM token) and /hooks/desks/{school} (a bad signature) count their failures in
the same per-address budget as /graphql (`GROUPDESK_RATE_LIMIT_FAILED_AUTH`, server.identity.gate):
an address guessing tokens or signatures at one door is refused at all three. Each door words the
429 in its own format; RateLimited carries the message and the seconds to wait.
"""

from __future__ import annotations

from collections.abc import MutableMapping

from dataclasses import dataclass
from typing import Any

from server.identity.rate_limits import RateLimited, RateLimits

__all__ = ["FailedAuthBudget", "RateLimited"]


@dataclass(frozen=True)
class FailedAuthBudget:
    """One request's view of its address's budget; without limits or an address, nothing is counted."""

    limits: RateLimits | None
    address: str | None

    @classmethod
    def of(cls, scope: MutableMapping[str, Any]) -> FailedAuthBudget:
        """The budget of the request's peer (as uvicorn sees it), counted by the app's rate limits."""
        runtime = getattr(getattr(scope.get("app"), "state", None), "runtime", None)
        client = scope.get("client")
        return cls(getattr(runtime, "rate_limits", None), client[0] if client else None)

    async def refuse_if_spent(self) -> None:
        """RateLimited when the address already failed too often: its credential is not even looked at."""
        if self.limits is not None and self.address:
            await self.limits.refuse_blocked_address(self.address)

    async def count_failure(self) -> None:
        """One more failed authentication; RateLimited when it goes past the limit."""
        if self.limits is not None and self.address:
            await self.limits.record_failed_authentication(self.address)
