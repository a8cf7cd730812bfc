"""Signing keys of trusted issuers: a cached realm JWKS, refetched on rotation, and a static set."""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Mapping
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


class StaticKeys:
    """Keys known up front (the development issuer): nothing to fetch, nothing to refresh."""

    def __init__(self, keyset: jwk.JWKSet) -> None:
        self._keyset = keyset

    async def lookup(self, kid: str) -> jwk.JWKSet | None:
        """Return the set if it holds `kid`."""
        return self._keyset if self._keyset.get_keys(kid) else None


class RealmKeys:
    """One realm's JWKS, fetched once and refetched only when a token names a key it lacks."""

    def __init__(
        self,
        openid: KeycloakOpenID,
        realm: str,
        *,
        min_refetch_interval: float,
    ) -> None:
        self._openid = openid
        self._realm = realm
        self._interval = min_refetch_interval
        self._keyset: jwk.JWKSet | None = None
        # Counting failed attempts too means an outage is probed once per interval, not per request.
        self._attempted_at = -math.inf
        # Whether the last fetch failed: an unknown kid then cannot be judged (rotated keys?).
        self._unreachable = False
        self._lock = asyncio.Lock()

    async def lookup(self, kid: str) -> jwk.JWKSet | None:
        """Return the cached set if it holds `kid`, refetching at most once per interval."""
        keyset = self._keyset
        if keyset is not None and keyset.get_keys(kid):
            return keyset
        async with self._lock:
            # Requests queued behind a refetch see its result instead of fetching again.
            keyset = self._keyset
            if keyset is not None and keyset.get_keys(kid):
                return keyset
            if time.monotonic() - self._attempted_at >= self._interval:
                await self._fetch()
            keyset = self._keyset
        if keyset is None or (self._unreachable and not keyset.get_keys(kid)):
            raise KeysUnavailable(f"signing keys of realm {self._realm} are unavailable")
        return keyset if keyset.get_keys(kid) else None

    async def _fetch(self) -> None:
        """Replace the cached set with the realm's current JWKS; keep the old one on failure."""
        self._attempted_at = time.monotonic()
        try:
            document = await self._openid.a_certs()
        except (KeycloakError, TypeError, ValueError) as exc:
            log.warning("cannot fetch the JWKS of realm %s: %s", self._realm, exc)
            self._unreachable = True
            return
        self._unreachable = False
        self._keyset = signing_keyset(document)
        log.info("loaded %d signing keys of realm %s", len(self._keyset["keys"]), self._realm)
