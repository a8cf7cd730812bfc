"""The test realm server answers python-keycloak the way Keycloak does, so other tests can trust it."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from jwcrypto import jwk
from keycloak import KeycloakOpenID
from keycloak.exceptions import KeycloakAuthenticationError, KeycloakGetError

from tests.support.realm import Realm, RealmServer


@pytest.fixture
async def openid_for(realm_server: RealmServer) -> AsyncIterator[Callable[..., KeycloakOpenID]]:
    made: list[KeycloakOpenID] = []

    def make(realm: str, client_id: str = "groupdesk-portal", secret: str | None = None) -> KeycloakOpenID:
        openid = KeycloakOpenID(
            server_url=realm_server.url, realm_name=realm, client_id=client_id, client_secret_key=secret
        )
        made.append(openid)
        return openid

    yield make
    for openid in made:
        await openid.connection.aclose()


async def test_discovery_names_the_realm_issuer_and_endpoints(
    openid_for: Callable[..., KeycloakOpenID], school_realm: Realm
) -> None:
    document = await openid_for(school_realm.name).a_well_known()

    assert document["issuer"] == school_realm.issuer
    assert document["jwks_uri"] == f"{school_realm.issuer}/protocol/openid-connect/certs"
    assert document["token_endpoint"] == f"{school_realm.issuer}/protocol/openid-connect/token"


async def test_realm_public_key_is_the_active_signing_key(
    openid_for: Callable[..., KeycloakOpenID], school_realm: Realm
) -> None:
    public_key = await openid_for(school_realm.name).a_public_key()

    pem = f"-----BEGIN PUBLIC KEY-----\n{public_key}\n-----END PUBLIC KEY-----\n".encode()
    assert jwk.JWK.from_pem(pem).thumbprint() == school_realm.signing_key.thumbprint()


async def test_certs_publish_public_signing_and_encryption_keys(
    openid_for: Callable[..., KeycloakOpenID], school_realm: Realm
) -> None:
    keys = (await openid_for(school_realm.name).a_certs())["keys"]

    assert {(key["kid"], key["use"]) for key in keys} >= {
        (school_realm.kid, "sig"),
        (school_realm.encryption_key["kid"], "enc"),
    }
    assert all("d" not in key for key in keys)


async def test_wrong_user_password_is_refused_like_keycloak(
    openid_for: Callable[..., KeycloakOpenID], school_realm: Realm
) -> None:
    with pytest.raises(KeycloakAuthenticationError) as caught:
        await openid_for(school_realm.name).a_token("agent-lyon", "wrong")

    assert caught.value.response_code == 401
    assert b"Invalid user credentials" in (caught.value.response_body or b"")


async def test_wrong_client_secret_is_refused(
    openid_for: Callable[..., KeycloakOpenID], school_realm: Realm
) -> None:
    bridge = openid_for(school_realm.name, "desk-bridge", "not-the-secret")

    with pytest.raises(KeycloakAuthenticationError, match="Invalid client"):
        await bridge.a_token(grant_type="client_credentials")


async def test_client_secret_basic_authentication_is_accepted(
    realm_server: RealmServer, school_realm: Realm
) -> None:
    basic = base64.b64encode(b"desk-bridge:bridge-secret").decode()
    async with httpx.AsyncClient(base_url=realm_server.url) as client:
        response = await client.post(
            f"realms/{school_realm.name}/protocol/openid-connect/token",
            data={"grant_type": "client_credentials"},
            headers={"Authorization": f"Basic {basic}"},
        )

    assert response.status_code == 200
    assert response.json()["token_type"] == "Bearer"


async def test_unsupported_grant_type_is_a_400(realm_server: RealmServer, school_realm: Realm) -> None:
    async with httpx.AsyncClient(base_url=realm_server.url) as client:
        response = await client.post(
            f"realms/{school_realm.name}/protocol/openid-connect/token",
            data={"grant_type": "urn:ietf:params:oauth:grant-type:device_code", "client_id": "groupdesk-portal"},
        )

    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


async def test_unknown_realm_is_a_404(openid_for: Callable[..., KeycloakOpenID]) -> None:
    with pytest.raises(KeycloakGetError) as caught:
        await openid_for("no-such-realm").a_certs()

    assert caught.value.response_code == 404
