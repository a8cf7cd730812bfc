"""The development-only token issuer: one RSA key kept in a local file, no Keycloak needed."""

from __future__ import annotations

import logging
import os
import secrets
import stat
import time
import uuid
from pathlib import Path
from typing import Any

from jwcrypto import jwk, jwt
from jwcrypto.common import JWException

from server.errors import ConfigurationError

log = logging.getLogger(__name__)

ALGORITHM = "RS256"
KEY_SIZE = 2048
# Claims the issuer owns; letting `extra` replace them would mint tokens for another audience or time.
RESERVED_CLAIMS = frozenset({"iss", "aud", "sub", "iat", "nbf", "exp", "jti", "typ", "preferred_username"})


class LocalIssuer:
    """Signs RS256 access tokens for local development with a key persisted as JWK JSON."""

    def __init__(self, key: jwk.JWK, *, issuer: str, audience: str) -> None:
        if key.get("kty") != "RSA" or not key.has_private:
            raise ConfigurationError("the local issuer needs a private RSA key")
        self._key = key
        self.issuer = issuer
        self.audience = audience
        self.kid: str = key.get("kid") or key.thumbprint()

    @classmethod
    def load_or_create(
        cls, path: Path, issuer: str = "urn:groupdesk:local", audience: str = "groupdesk"
    ) -> LocalIssuer:
        """Load the key kept at `path`, creating it (mode 0600) on first use."""
        path = Path(path)
        if not path.exists():
            _create_key_file(path)
        return cls(_read_key_file(path), issuer=issuer, audience=audience)

    def sign(
        self,
        subject: str,
        *,
        username: str,
        lifetime: int = 8 * 3600,
        extra: dict[str, Any] | None = None,
    ) -> str:
        """Return a signed access token for `subject`, valid for `lifetime` seconds."""
        if not subject:
            raise ValueError("a token needs a subject")
        if lifetime <= 0:
            raise ValueError("lifetime must be positive")
        extra = dict(extra or {})
        clash = sorted(RESERVED_CLAIMS & extra.keys())
        if clash:
            raise ValueError(f"extra claims may not set {', '.join(clash)}")
        now = int(time.time())
        claims = {
            **extra,
            "iss": self.issuer,
            "aud": self.audience,
            "sub": subject,
            "preferred_username": username,
            "typ": "Bearer",
            "iat": now,
            "nbf": now,
            "exp": now + lifetime,
            "jti": str(uuid.uuid4()),
        }
        token = jwt.JWT(header={"alg": ALGORITHM, "typ": "JWT", "kid": self.kid}, claims=claims)
        token.make_signed_token(self._key)
        return str(token.serialize())

    def jwks(self) -> jwk.JWKSet:
        """Return the public half of the key as a key set."""
        public = jwk.JWK(**self._key.export_public(as_dict=True))
        keyset = jwk.JWKSet()
        keyset.add(public)
        return keyset


def _create_key_file(path: Path) -> None:
    """Write a new key so that no other process ever reads a partial or replaced file."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    generated = jwk.JWK.generate(kty="RSA", size=KEY_SIZE)
    key = jwk.JWK(
        **generated.export_private(as_dict=True), kid=generated.thumbprint(), use="sig", alg=ALGORITHM
    )
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    # O_EXCL with mode 0600: the private key is never readable by others, even for an instant.
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(key.export_private())
            handle.flush()
            os.fsync(handle.fileno())
        # A hard link appears atomically and fails if another process created the key first,
        # in which case that key wins and is the one loaded.
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
    finally:
        temporary.unlink(missing_ok=True)
    log.info("created the local issuer's signing key at %s", path)


def _read_key_file(path: Path) -> jwk.JWK:
    """Read the private JWK, refusing anything else."""
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        log.warning("%s holds a private key but is readable by other users (mode %o)", path, mode)
    try:
        return jwk.JWK.from_json(path.read_text(encoding="utf-8"))
    except (JWException, ValueError, TypeError) as exc:
        raise ConfigurationError(f"{path} does not hold a JWK: {exc}") from exc
