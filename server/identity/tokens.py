"""Verifying bearer tokens issued by trusted Keycloak realms or by the development issuer."""

from __future__ import annotations

import base64
import binascii
import json
import math
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from jwcrypto import jws, jwt
from jwcrypto.common import JWException
from jwcrypto.jwk import JWKSet
from keycloak import KeycloakOpenID

from server.errors import ConfigurationError
from server.identity.signing_keys import KeysUnavailable, RealmKeys, SigningKeys, StaticKeys
from tenants.i18n.messages import Message

if TYPE_CHECKING:
    from server.identity.local_issuer import LocalIssuer

# Only asymmetric algorithms: with HS* the "secret" could be the realm's public key, which anyone has.
ALLOWED_ALGORITHMS: frozenset[str] = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"}
)
# Keycloak tokens with many groups reach a few kilobytes; anything far larger is not one of ours.
MAX_TOKEN_LENGTH = 64 * 1024
# The registered time claims (RFC 7519 NumericDate).
TIME_CLAIMS = ("exp", "nbf", "iat")
# Seconds before a request to Keycloak gives up; python-keycloak's default of 60 would stall requests.
KEYCLOAK_TIMEOUT = 10
# Tokens whose signature was checked, kept until they expire (the oldest used are dropped first).
VERIFIED_TOKENS = 10_000


@dataclass(frozen=True)
class RealmConfig:
    """A Keycloak realm whose access tokens groupdesk trusts."""

    server_url: str
    realm: str
    audience: str
    client_id: str | None = None
    tenant: str | None = None

    def __post_init__(self) -> None:
        if not self.server_url or not self.realm or not self.audience:
            raise ConfigurationError("a trusted realm needs server_url, realm and audience")
        # python-keycloak joins paths onto server_url, which silently drops a last segment without '/'.
        if not self.server_url.endswith("/"):
            object.__setattr__(self, "server_url", self.server_url + "/")
        if self.client_id is None:
            object.__setattr__(self, "client_id", self.audience)

    @property
    def issuer(self) -> str:
        """The `iss` value of this realm's tokens."""
        return f"{self.server_url}realms/{self.realm}"


class TokenRejected(Exception):
    """A bearer token that must not be trusted; `reason` says why, `status` is the HTTP answer."""

    def __init__(self, reason: str, *, status: int = 401) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


class IdentityProviderUnavailable(TokenRejected):
    """The realm's keys could not be had: the token cannot be judged now (503, retry later)."""

    def __init__(self, reason: str, *, retry_after: int = 5) -> None:
        super().__init__(reason, status=503)
        self.retry_after = retry_after


@dataclass(frozen=True)
class VerifiedToken:
    """A token whose signature and registered claims have been checked."""

    issuer: str
    realm: RealmConfig | None
    claims: dict[str, Any]
    local: bool


@dataclass(frozen=True)
class _Trusted:
    issuer: str
    audience: str
    realm: RealmConfig | None
    keys: SigningKeys


@dataclass(frozen=True, slots=True)
class _Checked:
    """A token already verified: its claims, the key set that verified it, until when it holds."""

    verified: VerifiedToken
    trusted: _Trusted
    kid: str
    keyset: JWKSet
    # Wall-clock seconds (as jwcrypto reads `exp`): the token's exp plus the leeway.
    valid_until: float


class TokenVerifier:
    """Checks bearer tokens against the trusted realms' cached keys, without a network call per request."""

    def __init__(
        self,
        realms: Sequence[RealmConfig],
        *,
        local: LocalIssuer | None = None,
        leeway: int = 60,
        min_refetch_interval: float = 30.0,
        jwks_max_age: float = 300.0,
        jwks_max_stale: float = 3600.0,
        jwks_retry_after: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        max_verified: int = VERIFIED_TOKENS,
    ) -> None:
        self._leeway = leeway
        self._wall_clock = wall_clock
        self._max_verified = max_verified
        # The exact token -> what verifying it found (see `verify`).
        self._checked: OrderedDict[str, _Checked] = OrderedDict()
        self._retry_after = max(1, math.ceil(jwks_retry_after))
        issuers = [config.issuer for config in realms] + ([local.issuer] if local else [])
        # Two entries for one issuer would make the choice of keys depend on list order.
        repeated = sorted({issuer for issuer in issuers if issuers.count(issuer) > 1})
        if repeated:
            raise ConfigurationError(f"issuer {', '.join(repeated)} is configured twice")
        self._trusted: dict[str, _Trusted] = {}
        self._clients: list[KeycloakOpenID] = []
        for config in realms:
            openid = KeycloakOpenID(
                server_url=config.server_url,
                realm_name=config.realm,
                client_id=config.client_id or config.audience,
                timeout=KEYCLOAK_TIMEOUT,
            )
            self._clients.append(openid)
            keys = RealmKeys(openid, config.realm, min_refetch_interval=min_refetch_interval,
                             max_age=jwks_max_age, max_stale=jwks_max_stale,
                             retry_after=jwks_retry_after, clock=clock)
            self._trusted[config.issuer] = _Trusted(config.issuer, config.audience, config, keys)
        if local is not None:
            static = StaticKeys(local.jwks())
            self._trusted[local.issuer] = _Trusted(local.issuer, local.audience, None, static)

    async def verify(self, token: str) -> VerifiedToken:
        """Return the token's verified claims, or raise TokenRejected saying why it is refused.

        A token's signature and claims say the same thing until it expires, so a token verified
        once is kept (keyed by its exact text) and, when it comes back, only its expiry and its
        key are checked again: the key must still be the issuer's, from the same key set, so a
        key retired by the realm (or aged out of the cache) refuses its tokens as before.
        """
        checked = self._checked.get(token)
        if checked is not None:
            if self._wall_clock() <= checked.valid_until:
                try:
                    keyset = await checked.trusted.keys.lookup(checked.kid)
                except KeysUnavailable as exc:
                    raise IdentityProviderUnavailable(str(exc), retry_after=self._retry_after) from exc
                if keyset is checked.keyset:
                    if token in self._checked:  # (another request may have dropped it meanwhile)
                        self._checked.move_to_end(token)
                    return checked.verified
            self._checked.pop(token, None)  # expired, or its keys changed: judged afresh below
        return await self._verify_afresh(token)

    async def _verify_afresh(self, token: str) -> VerifiedToken:
        header, unverified = _peek(token)
        alg = header.get("alg")
        if not isinstance(alg, str) or alg not in ALLOWED_ALGORITHMS:
            raise TokenRejected(Message("unsupported algorithm {alg}", alg=_shown(alg)))
        # The unverified issuer only picks which keys to try; the signature then vouches for it.
        issuer = unverified.get("iss")
        if not isinstance(issuer, str) or not issuer:
            raise TokenRejected(Message("token has no issuer (iss)"))
        trusted = self._trusted.get(issuer)
        if trusted is None:
            raise TokenRejected(Message("unknown issuer {issuer}", issuer=_shown(issuer)))
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise TokenRejected(Message("token has no signing key id (kid)"))
        try:
            keyset = await trusted.keys.lookup(kid)
        except KeysUnavailable as exc:
            raise IdentityProviderUnavailable(str(exc), retry_after=self._retry_after) from exc
        if keyset is None:
            raise TokenRejected(Message("unknown signing key kid={kid}", kid=_shown(kid)))
        claims = _validate(token, keyset, trusted, unverified, self._leeway)
        verified = VerifiedToken(issuer=issuer, realm=trusted.realm, claims=claims,
                                 local=trusted.realm is None)
        self._remember(token, verified, trusted, kid, keyset)
        return verified

    def _remember(self, token: str, verified: VerifiedToken, trusted: _Trusted, kid: str,
                  keyset: JWKSet) -> None:
        if self._max_verified <= 0:
            return
        # `exp` is mandatory and checked by _validate: a finite number of seconds.
        valid_until = float(verified.claims["exp"]) + self._leeway
        self._checked[token] = _Checked(verified, trusted, kid, keyset, valid_until)
        self._checked.move_to_end(token)
        while len(self._checked) > self._max_verified:
            self._checked.popitem(last=False)

    async def aclose(self) -> None:
        """Close the HTTP clients held for the realms."""
        clients, self._clients = self._clients, []
        for openid in clients:
            await openid.connection.aclose()

    async def __aenter__(self) -> TokenVerifier:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


def _validate(
    token: str, keyset: JWKSet, trusted: _Trusted, unverified: dict[str, Any], leeway: int
) -> dict[str, Any]:
    """Verify the signature and the registered claims with jwcrypto, translating its errors."""
    # jwcrypto skips exp/nbf whenever check_claims is given unless they are listed, and a listed
    # claim becomes mandatory: nbf is optional in Keycloak tokens, so it is listed only if present.
    check: dict[str, Any] = {"iss": trusted.issuer, "aud": trusted.audience, "exp": None, "sub": None}
    _check_time_claims(unverified)
    if "nbf" in unverified:
        check["nbf"] = None
    try:
        parsed = jwt.JWT(
            jwt=token, algs=sorted(ALLOWED_ALGORITHMS), check_claims=check, expected_type="JWS"
        )
    except (JWException, ValueError, TypeError) as exc:
        raise TokenRejected(Message("malformed token")) from exc
    parsed.leeway = leeway
    try:
        parsed.validate(keyset)
    except jwt.JWTExpired as exc:
        raise TokenRejected(Message("token expired")) from exc
    except jwt.JWTNotYetValid as exc:
        raise TokenRejected(Message("token not yet valid")) from exc
    except jwt.JWTMissingClaim as exc:
        raise TokenRejected(_missing_claim(parsed, check)) from exc
    except jwt.JWTInvalidClaimValue as exc:
        got = _shown(unverified.get("aud"))
        raise TokenRejected(Message("audience mismatch: expected {expected}, token is for {got}",
                                    expected=trusted.audience, got=got)) from exc
    except jwt.JWTInvalidClaimFormat as exc:
        raise TokenRejected(Message("malformed claim: {problem}", problem=str(exc))) from exc
    except (jwt.JWTMissingKey, jws.InvalidJWSSignature) as exc:
        # The kid is known (looked up before), so a key-set miss here means no key verified it.
        raise TokenRejected(Message("signature invalid")) from exc
    except (JWException, ValueError, TypeError) as exc:
        raise TokenRejected(Message("token invalid: {problem}", problem=str(exc))) from exc
    claims: dict[str, Any] = json.loads(parsed.claims)
    if not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise TokenRejected(Message("token has no subject (sub)"))
    # Keycloak signs ID and logout tokens with the same keys; only access tokens are bearer credentials.
    typ = claims.get("typ")
    if typ is not None and str(typ).lower() != "bearer":
        raise TokenRejected(Message("not an access token (typ={typ})", typ=_shown(typ)))
    return claims


def _check_time_claims(unverified: dict[str, Any]) -> None:
    """exp, nbf and iat, when present, are NumericDates (RFC 7519): finite numbers of seconds.

    jwcrypto compares whatever it finds: `"exp": null` failed with a Python TypeError as the reason
    and `1e400` (infinity) with an OverflowError, a 500. The signature is checked right after.
    """
    for name in TIME_CLAIMS:
        if name not in unverified:
            continue  # a missing exp is refused by jwcrypto, naming it
        value = unverified[name]
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise TokenRejected(Message("malformed claim: {name} must be a number of seconds since 1970 "
                                        "(NumericDate), got {value}", name=name, value=_shown(json.dumps(value))))


def _missing_claim(parsed: jwt.JWT, check: dict[str, Any]) -> Message:
    """Name the first required claim the (signature-checked) token lacks."""
    claims = json.loads(parsed.claims)
    missing = next((name for name in check if name not in claims), "?")
    if missing == "sub":
        return Message("token has no subject (sub)")
    return Message("token has no {claim} claim", claim=missing)


def _peek(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Decode header and payload without trusting them, only to choose the issuer's keys."""
    if not isinstance(token, str) or not token:
        raise TokenRejected(Message("no token"))
    if len(token) > MAX_TOKEN_LENGTH:
        raise TokenRejected(Message("token too large"))
    parts = token.split(".")
    if len(parts) != 3:
        raise TokenRejected(Message("malformed token: expected a signed JWT in compact form"))
    try:
        header = json.loads(_b64url(parts[0]))
        payload = json.loads(_b64url(parts[1]))
    except (ValueError, binascii.Error, RecursionError) as exc:
        raise TokenRejected(Message("malformed token: header or payload is not base64url JSON")) from exc
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise TokenRejected(Message("malformed token: header or payload is not a JSON object"))
    return header, payload


def _b64url(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _shown(value: object, limit: int = 120) -> str:
    """Render an attacker-controlled value for a message, bounded in length."""
    text = str(value)
    return text if len(text) <= limit else text[:limit] + "..."
