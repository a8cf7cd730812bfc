"""Rate limits on failed authentications (per client address) and on requests (per caller).

The `limits` library counts hits in a moving window, in this process's memory by default or in Redis
(`GROUPDESK_RATE_LIMIT_STORAGE=redis://...`) so that every server process shares the counts. A
refused caller gets RateLimited with the seconds after which it may try again (HTTP 429 and
`Retry-After`; WebSocket close code 4429).

If the storage cannot be reached, requests are let through and a warning is logged: an outage of
the counter must not become an outage of the service.
"""

from __future__ import annotations

import logging
import math
import time

from limits import RateLimitItem, parse_many
from limits.aio.storage import Storage
from limits.aio.strategies import MovingWindowRateLimiter, RateLimiter, SlidingWindowCounterRateLimiter
from limits.errors import StorageError
from limits.storage import storage_from_string
from tenants.i18n.messages import Message

log = logging.getLogger(__name__)


class RateLimited(Exception):
    """Too many attempts: `retry_after` seconds until the next one may succeed."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


def async_storage_uri(uri: str) -> str:
    """The async flavour of a storage URI: redis://h -> async+redis://h; memory:// likewise."""
    return uri if uri.startswith("async+") else "async+" + uri


class RateLimits:
    """The two limits groupdesk enforces; one instance per app, shared by every request."""

    def __init__(self, *, storage_uri: str = "memory://", failed_auth: str = "30/minute",
                 per_principal: str = "600/minute", key_prefix: str = "groupdesk") -> None:
        options: dict[str, float | str | bool] = {"wrap_exceptions": True}
        if "redis" in storage_uri:
            # redis-py's asyncio client (already a dependency) rather than coredis.
            options.update(implementation="redispy", key_prefix=key_prefix)
        storage = storage_from_string(async_storage_uri(storage_uri), **options)
        assert isinstance(storage, Storage)
        self.storage = storage
        # Failed authentications: a moving window, exact. A caller's requests: a sliding window
        # counter (two counters per key, the previous window weighted), which every request hits:
        # the moving window keeps one entry per request and, in memory, expires them by handing
        # each key to a thread, once per request.
        self._limiter = MovingWindowRateLimiter(storage)
        self._counter = SlidingWindowCounterRateLimiter(storage)
        self._failed_auth = parse_many(failed_auth)
        self._per_principal = parse_many(per_principal)
        # In memory the keys are this instance's alone; in Redis the prefix separates deployments.
        self._namespace = key_prefix

    async def refuse_blocked_address(self, address: str) -> None:
        """Raise RateLimited when `address` already used up its failed authentications."""
        for item in self._failed_auth:
            if not await self._test(item, "auth-failures", address):
                raise await self._refusal(item, Message("too many failed authentications from this address"),
                                          "auth-failures", address)

    async def record_failed_authentication(self, address: str) -> None:
        """Count one failure; raise RateLimited when it goes past the limit."""
        for item in self._failed_auth:
            if not await self._hit(item, "auth-failures", address):
                raise await self._refusal(item, Message("too many failed authentications from this address"),
                                          "auth-failures", address)

    async def count_request(self, principal_key: str) -> None:
        """Count one request of an authenticated caller; raise RateLimited past the limit."""
        for item in self._per_principal:
            if not await self._hit(item, "requests", principal_key, limiter=self._counter):
                raise await self._refusal(item, Message("too many requests from this caller"), "requests",
                                          principal_key, limiter=self._counter)

    async def _test(self, item: RateLimitItem, *key: str) -> bool:
        try:
            return await self._limiter.test(item, self._namespace, *key)
        except StorageError as exc:
            log.warning("rate limit storage unavailable, letting the request through: %s", exc)
            return True

    async def _hit(self, item: RateLimitItem, *key: str, limiter: RateLimiter | None = None) -> bool:
        try:
            return await (limiter or self._limiter).hit(item, self._namespace, *key)
        except StorageError as exc:
            log.warning("rate limit storage unavailable, letting the request through: %s", exc)
            return True

    async def _refusal(self, item: RateLimitItem, what: Message, *key: str,
                       limiter: RateLimiter | None = None) -> RateLimited:
        try:
            stats = await (limiter or self._limiter).get_window_stats(item, self._namespace, *key)
            wait = max(1, math.ceil(stats.reset_time - time.time()))
        except StorageError:
            wait = item.get_expiry()
        return RateLimited(Message("{what} ({limit}): retry in {wait} s", what=what, limit=str(item), wait=wait),
                           retry_after=wait)

    async def aclose(self) -> None:
        """Close the Redis connections, if any (the app's shutdown)."""
        client = getattr(getattr(self.storage, "bridge", None), "storage", None)
        if client is not None and hasattr(client, "aclose"):
            await client.aclose()

    async def reset(self) -> None:
        """Forget every count (tests, and an operator clearing a lock-out)."""
        try:
            await self.storage.reset()
        except StorageError as exc:
            log.warning("cannot reset the rate limit storage: %s", exc)
