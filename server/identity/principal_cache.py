"""Callers already authenticated, by bearer token: a repeated token costs no database statement.

The token's key and expiry are checked on every request, its signature once (server/identity/tokens.py).
A signed access token says the same thing for its whole lifetime, so the principal it gave is kept
until the token expires, and never longer than GROUPDESK_PRINCIPAL_CACHE_SECONDS: a role granted or
withdrawn in another process is seen within that time. A commit in this process that deactivates a
user or a tenant, moves a user, revokes a token, or changes what a principal holds (roles, language,
designations) empties every cache at once (server/identity/revocations.py). API tokens are
kept too, for at most a minute (their last use is recorded once a minute: the first use after
their entry lapses reads and records it, as before).
"""

from __future__ import annotations

import hashlib
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Generic, TypeVar

Found = TypeVar("Found")

_caches: weakref.WeakSet[PrincipalCache[Any]] = weakref.WeakSet()


def forget_everyone() -> None:
    """Empty every cache of this process (a credential was revoked or a user deactivated)."""
    for cache in list(_caches):
        cache.clear()


class PrincipalCache(Generic[Found]):
    """A bounded map from a token's digest to what it authenticated, each entry with a deadline."""

    def __init__(self, max_age: float, *, max_entries: int = 10_000,
                 clock: Callable[[], float] = time.time) -> None:
        self.max_age = max_age
        self.max_entries = max_entries
        self.clock = clock
        self._entries: OrderedDict[bytes, tuple[float, Found]] = OrderedDict()
        _caches.add(self)

    @staticmethod
    def _key(token: str) -> bytes:
        return hashlib.sha256(token.encode()).digest()

    def get(self, token: str) -> Found | None:
        if self.max_age <= 0:
            return None
        key = self._key(token)
        entry = self._entries.get(key)
        if entry is None:
            return None
        deadline, found = entry
        if self.clock() >= deadline:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return found

    def put(self, token: str, found: Found, *, expires_at: float | None) -> None:
        """Keep `found` until the token expires, at most max_age seconds."""
        if self.max_age <= 0:
            return
        deadline = self.clock() + self.max_age
        if expires_at is not None:
            deadline = min(deadline, expires_at)
        self._entries[self._key(token)] = (deadline, found)
        self._entries.move_to_end(self._key(token))
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()
