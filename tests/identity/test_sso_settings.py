"""The SSO settings: which realms are trusted, for which tenants, and production's refusal to run blind."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from groupdesk.app import build_verifier, create_app, trusted_realms
from server.config import Settings
from server.errors import ConfigurationError
from server.identity.tokens import RealmConfig, TokenRejected
from tests.support.realm import Realm, RealmServer
from tests.spine.test_cli import run

SSO = "https://sso.example.org/"


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)


def test_realms_are_listed_with_an_optional_tenant_each() -> None:
    configured = settings(oidc_server_url=SSO, oidc_realms=" insa , lyon-sso = insa-lyon ,")
    assert configured.trusted_realms() == [("insa", None), ("lyon-sso", "insa-lyon")]


def test_each_realm_becomes_a_realm_config_with_audience_and_client() -> None:
    configured = settings(oidc_server_url="https://sso.example.org", oidc_realms="insa,lyon-sso=insa-lyon",
                          oidc_audience="groupdesk-api", oidc_client_id="groupdesk-portal")
    assert trusted_realms(configured) == [
        RealmConfig(SSO, "insa", "groupdesk-api", client_id="groupdesk-portal"),
        RealmConfig(SSO, "lyon-sso", "groupdesk-api", client_id="groupdesk-portal", tenant="insa-lyon"),
    ]
    assert trusted_realms(settings(oidc_server_url=SSO, oidc_realms="insa"))[0].client_id == "groupdesk"


@pytest.mark.parametrize(("values", "message"), [
    ({"oidc_server_url": SSO, "oidc_realms": "insa,lyon="}, "'lyon=' is not 'realm' or 'realm=tenant-slug'"),
    ({"oidc_server_url": SSO, "oidc_realms": "insa,insa=insa-lyon"}, "realm 'insa' is listed twice"),
    ({"oidc_realms": "insa"}, "GROUPDESK_OIDC_SERVER_URL is required"),
    ({"oidc_server_url": SSO, "oidc_realms": "lyon-sso=insa-lyon,insa", "tenant_claim": "realm"},
     "GROUPDESK_TENANT_CLAIM=realm needs 'realm=tenant-slug' for every realm; insa names no tenant"),
])
def test_unusable_realm_settings_are_refused_naming_the_variable(values: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        settings(**values)


@pytest.mark.parametrize(("leeway", "accepted"), [(5, False), (60, True)])
async def test_the_leeway_setting_decides_a_token_expired_20_seconds_ago(
        tmp_path: Path, realm_server: RealmServer, fresh_realm: Realm, leeway: int, accepted: bool) -> None:
    configured = settings(oidc_server_url=realm_server.url, oidc_realms=fresh_realm.name, oidc_leeway=leeway,
                          dev_issuer_key_file=tmp_path / "key.json")
    token = fresh_realm.mint({"exp": int(time.time()) - 20})
    async with build_verifier(configured)[0] as verifier:
        if accepted:
            assert (await verifier.verify(token)).issuer == fresh_realm.issuer
        else:
            with pytest.raises(TokenRejected, match="token expired"):
                await verifier.verify(token)


def test_production_without_a_trusted_realm_refuses_to_start(tmp_path: Path) -> None:
    configured = settings(env="production", database_url=f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    with pytest.raises(ConfigurationError, match="no trusted realm: set GROUPDESK_OIDC_SERVER_URL and "
                                                 "GROUPDESK_OIDC_REALMS, otherwise nobody can log in"):
        create_app(configured)


def test_serve_in_production_without_a_realm_exits_with_the_reason(tmp_path: Path) -> None:
    result = run(["serve"], tmp_path, GROUPDESK_ENV="production")
    assert result.returncode == 2
    assert "groupdesk: cannot start: no trusted realm" in result.stderr
