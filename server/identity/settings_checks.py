"""Start-up checks of the identity settings: a misconfiguration stops the app, naming the variable.

Kept apart from server/config.py so the rules about identity providers, key ageing and rate limits
live with the identity code that relies on them.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from limits import parse_many

if TYPE_CHECKING:
    from server.config import Settings

# Rate limit storages groupdesk knows how to open (server/identity/rate_limits.py).
RATE_LIMIT_SCHEMES = ("memory", "redis", "rediss", "async+redis", "async+rediss")


def is_loopback_host(host: str | None) -> bool:
    """localhost, 127.0.0.0/8 or ::1: traffic that never leaves the machine."""
    if not host:
        return False
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def identity_provider_url_problem(url: str, *, production: bool) -> str | None:
    """Why GROUPDESK_OIDC_SERVER_URL cannot be used, or None.

    Over plain http a network attacker could serve their own JWKS and sign tokens for anyone:
    production accepts it only on loopback (a Keycloak beside groupdesk, or a TLS-terminating proxy).
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"GROUPDESK_OIDC_SERVER_URL: {url!r} is not an http(s) URL"
    if production and parts.scheme == "http" and not is_loopback_host(parts.hostname):
        return (f"GROUPDESK_OIDC_SERVER_URL: {url!r} uses http:// in production; use https:// "
                f"(plain http is accepted only on loopback: localhost, 127.0.0.0/8, ::1)")
    return None


def check_identity_settings(settings: Settings) -> None:
    """Raise ValueError naming the first setting that cannot work."""
    if settings.oidc_server_url:
        problem = identity_provider_url_problem(settings.oidc_server_url, production=settings.is_production)
        if problem:
            raise ValueError(problem)
    if settings.oidc_jwks_max_stale < settings.oidc_jwks_max_age:
        raise ValueError("GROUPDESK_OIDC_JWKS_MAX_STALE must be at least GROUPDESK_OIDC_JWKS_MAX_AGE: "
                         "keys cannot be trusted for less time when the realm is down than when it is up")
    for name in ("rate_limit_failed_auth", "rate_limit_principal"):
        value = getattr(settings, name)
        try:
            parse_many(value)
        except ValueError:
            raise ValueError(f"GROUPDESK_{name.upper()}: {value!r} is not a rate such as '30/minute' "
                             f"or '10/second;600/hour'") from None
    scheme = settings.rate_limit_storage.partition("://")[0]
    if "://" not in settings.rate_limit_storage or scheme not in RATE_LIMIT_SCHEMES:
        raise ValueError(f"GROUPDESK_RATE_LIMIT_STORAGE: {settings.rate_limit_storage!r} is neither "
                         f"memory:// nor a redis:// URL")
