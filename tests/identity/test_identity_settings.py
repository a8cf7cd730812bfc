"""Identity settings checked at start: plain-http identity providers, key ageing, rate limits."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from server.config import Settings


def production(**values: object) -> Settings:
    return Settings(_env_file=None, env="production", dev_issuer=False, oidc_realms="insa", **values)


@pytest.mark.parametrize("url", ["http://sso.groupe-insa.example.org/", "http://10.0.0.5:8080/",
                                 "http://127.0.0.1.example.org/"])
def test_a_plain_http_identity_provider_is_refused_in_production(url: str) -> None:
    with pytest.raises(ValidationError) as refused:
        production(oidc_server_url=url)
    assert f"GROUPDESK_OIDC_SERVER_URL: {url!r} uses http:// in production; use https://" in str(refused.value)


@pytest.mark.parametrize("url", ["https://sso.groupe-insa.example.org/", "http://127.0.0.1:8080/",
                                 "http://127.8.9.10/", "http://localhost:8080/auth/", "http://[::1]:8080/"])
def test_https_or_loopback_is_accepted_in_production(url: str) -> None:
    assert production(oidc_server_url=url).oidc_server_url == url


def test_development_accepts_plain_http_but_not_other_schemes() -> None:
    assert Settings(_env_file=None, oidc_server_url="http://sso.lan/", oidc_realms="insa").oidc_server_url
    with pytest.raises(ValidationError, match="'ftp://sso.lan/' is not an http\\(s\\) URL"):
        Settings(_env_file=None, oidc_server_url="ftp://sso.lan/", oidc_realms="insa")


@pytest.mark.parametrize(("values", "message"), [
    ({"rate_limit_failed_auth": "lots"}, "GROUPDESK_RATE_LIMIT_FAILED_AUTH: 'lots' is not a rate"),
    ({"rate_limit_principal": "600 per"}, "GROUPDESK_RATE_LIMIT_PRINCIPAL: '600 per' is not a rate"),
    ({"rate_limit_storage": "memcached://x"}, "GROUPDESK_RATE_LIMIT_STORAGE: 'memcached://x' is neither"),
    ({"oidc_jwks_max_age": 600, "oidc_jwks_max_stale": 60}, "GROUPDESK_OIDC_JWKS_MAX_STALE must be at least"),
])
def test_unusable_identity_settings_are_refused_by_name(values: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Settings(_env_file=None, **values)
