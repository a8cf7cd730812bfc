"""Signing keys of trusted issuers: a cached realm JWKS, refetched on rotation, and a static set."""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from jwcrypto import jwk
from jwcrypto.common import JWException
from keycloak import KeycloakOpenID
from keycloak.exceptions import KeycloakError

log = logging.getLogger(__name__)


class KeysUnavailable(Exception):
    """A realm's keys could not be fetched: the token cannot be judged, which is not its fault."""


class SigningKeys(Protocol):
    async def lookup(self, kid: str) -> jwk.JWKSet | None:
        """Return a key set holding `kid`, or None when the issuer has no such key."""
        ...


def signing_keyset(document: Mapping[str, Any]) -> jwk.JWKSet:
    """Build a verification key set from a JWKS document, keeping only asymmetric signing keys."""
    keyset = jwk.JWKSet()
    entries = document.get("keys")
    if not isinstance(entries, list):
        return keyset
    for entry in entries:
        # Keycloak publishes its RSA-OAEP encryption key next to the signing keys; a key without
        # a kid could never be chosen for a token that must name one.
        if not isinstance(entry, dict) or entry.get("use", "sig") != "sig" or not entry.get("kid"):
            continue
        # A symmetric key in a public document would let anyone who read it forge tokens.
        if entry.get("kty") not in ("RSA", "EC"):
            continue
        try:
            key = jwk.JWK(**entry)
        except (JWException, ValueError, TypeError) as exc:
            log.warning("ignoring unusable JWKS entry kid=%s: %s", entry.get("kid"), exc)
            continue
        keyset.add(key)
    return keyset


def key_ids(keyset: jwk.JWKSet) -> frozenset[str]:
    """The kids a set holds, read once: jwcrypto's get_keys hashes (thumbprints) every key it returns."""
    return frozenset(str(key.get("kid")) for key in keyset["keys"] if key.get("kid"))


class StaticKeys:
    """Keys known up front (the development issuer): nothing to fetch, nothing to refresh."""

    def __init__(self, keyset: jwk.JWKSet) -> None:
        self._keyset = keyset
        self._kids = key_ids(keyset)

    async def lookup(self, kid: str) -> jwk.JWKSet | None:
        """Return the set if it holds `kid`."""
        return self._keyset if kid in self._kids else None


class RealmKeys:
    """One realm's JWKS: refetched when a token names a key it lacks, and when older than `max_age`.

    A key the realm removed is refused once the cached set is older than `max_age` (the next
    request refetches). When the realm cannot be reached the old set is still served until it is
    `max_stale` old, then KeysUnavailable. After a failed fetch the next attempt waits only
    `retry_after` (not the refetch interval), so recovery follows the realm's return closely.
    """

    def __init__(
        self,
        openid: KeycloakOpenID,
        realm: str,
        *,
        min_refetch_interval: float,
        max_age: float = math.inf,
        max_stale: float = math.inf,
        retry_after: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._openid = openid
        self._realm = realm
        self._interval = min_refetch_interval
        self._max_age = max_age
        self._max_stale = max(max_stale, max_age)
        self._retry_after = retry_after
        self._clock = clock
        self._keyset: jwk.JWKSet | None = None
        self._kids: frozenset[str] = frozenset()
        self._fetched_at = -math.inf
        # Failed attempts count too: an outage is probed once per retry_after, not per request.
        self._attempted_at = -math.inf
        self._failed = False
        self._lock = asyncio.Lock()

    def _fresh(self, now: float) -> bool:
        return self._keyset is not None and now - self._fetched_at < self._max_age

    async def lookup(self, kid: str) -> jwk.JWKSet | None:
        """Return a set holding `kid`, None when the realm has no such key; KeysUnavailable when unknown."""
        keyset = self._keyset
        if keyset is not None and self._fresh(self._clock()) and kid in self._kids:
            return keyset
        async with self._lock:
            # Requests queued behind a refetch see its result instead of fetching again.
            now = self._clock()
            keyset = self._keyset
            if keyset is not None and self._fresh(now) and kid in self._kids:
                return keyset
            if self._failed:
                wait = self._retry_after
            else:
                # An aged set is refetched at once; an unknown kid at most once per interval.
                wait = self._interval if self._fresh(now) else 0.0
            if now - self._attempted_at >= wait:
                await self._fetch()
                now = self._clock()
            keyset = self._keyset
        if (keyset is None or now - self._fetched_at >= self._max_stale
                or (self._failed and kid not in self._kids)):
            raise KeysUnavailable(f"signing keys of realm {self._realm} are unavailable")
        return keyset if kid in self._kids else None

    async def _fetch(self) -> None:
        """Replace the cached set with the realm's current JWKS; keep the old one on failure."""
        self._attempted_at = self._clock()
        try:
            document = await self._openid.a_certs()
        except (KeycloakError, TypeError, ValueError) as exc:
            self._failed = True
            log.warning("cannot fetch the JWKS of realm %s: %s", self._realm, exc)
            return
        self._keyset = signing_keyset(document)
        self._kids = key_ids(self._keyset)
        self._fetched_at = self._clock()
        self._failed = False
        log.info("loaded %d signing keys of realm %s", len(self._keyset["keys"]), self._realm)
