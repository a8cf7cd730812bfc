"""TokenVerifier against the loopback realm server: what passes, and why everything else is refused."""

from __future__ import annotations

import base64
import json
import socket
import time
from collections.abc import Callable

import pytest
from jwcrypto import jwk
from keycloak import KeycloakOpenID

from server.errors import ConfigurationError
from server.identity.tokens import RealmConfig, TokenRejected, TokenVerifier
from tests.support.realm import Realm, RealmServer
from tests.support.realm_state import encode_segment


async def rejection(verifier: TokenVerifier, token: str) -> TokenRejected:
    with pytest.raises(TokenRejected) as caught:
        await verifier.verify(token)
    return caught.value


def tampered(token: str, **changes: object) -> str:
    """Rewrite claims in the payload while keeping the original signature."""
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims.update(changes)
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


async def test_valid_token_is_accepted_with_its_realm_and_claims(
    verifier: TokenVerifier, school_realm: Realm, config_for: Callable[..., RealmConfig]
) -> None:
    verified = await verifier.verify(school_realm.mint({"sub": "user-1", "email": "a@lyon.example"}))

    assert verified.issuer == school_realm.issuer
    assert verified.realm == config_for(school_realm)
    assert verified.local is False
    assert verified.claims["sub"] == "user-1"
    assert verified.claims["email"] == "a@lyon.example"


async def test_password_grant_token_from_python_keycloak_is_accepted(
    verifier: TokenVerifier, school_realm: Realm, realm_server: RealmServer
) -> None:
    portal = KeycloakOpenID(
        server_url=realm_server.url, realm_name=school_realm.name, client_id="groupdesk-portal"
    )
    try:
        issued = await portal.a_token("agent-lyon", "agent-password")
    finally:
        await portal.connection.aclose()

    verified = await verifier.verify(issued["access_token"])

    assert verified.claims["preferred_username"] == "agent-lyon"
    assert verified.claims["sub"] == school_realm.users["agent-lyon"].sub


async def test_client_credentials_token_of_a_service_account_is_accepted(
    verifier: TokenVerifier, school_realm: Realm, realm_server: RealmServer
) -> None:
    bridge = KeycloakOpenID(
        server_url=realm_server.url,
        realm_name=school_realm.name,
        client_id="desk-bridge",
        client_secret_key="bridge-secret",
    )
    try:
        issued = await bridge.a_token(grant_type="client_credentials")
    finally:
        await bridge.connection.aclose()

    verified = await verifier.verify(issued["access_token"])

    assert verified.claims["preferred_username"] == "service-account-desk-bridge"
    assert verified.claims["client_id"] == "desk-bridge"


async def test_expired_token_is_rejected(verifier: TokenVerifier, school_realm: Realm) -> None:
    token = school_realm.mint({"exp": int(time.time()) - 120})

    assert (await rejection(verifier, token)).reason == "token expired"


async def test_token_expired_within_the_leeway_is_accepted(
    verifier: TokenVerifier, school_realm: Realm
) -> None:
    token = school_realm.mint({"exp": int(time.time()) - 20})

    assert (await verifier.verify(token)).claims["exp"] < time.time()


async def test_token_without_exp_is_rejected(verifier: TokenVerifier, school_realm: Realm) -> None:
    token = school_realm.mint({"exp": None})

    assert (await rejection(verifier, token)).reason == "token has no exp claim"


async def test_token_not_valid_before_a_future_time_is_rejected(
    verifier: TokenVerifier, school_realm: Realm
) -> None:
    token = school_realm.mint({"nbf": int(time.time()) + 600})

    assert (await rejection(verifier, token)).reason == "token not yet valid"


async def test_token_whose_nbf_is_within_the_leeway_is_accepted(
    verifier: TokenVerifier, school_realm: Realm
) -> None:
    token = school_realm.mint({"nbf": int(time.time()) + 20})

    assert (await verifier.verify(token)).claims["nbf"] > time.time()


async def test_token_from_an_unknown_issuer_is_rejected(verifier: TokenVerifier, school_realm: Realm) -> None:
    token = school_realm.mint({"iss": "https://sso.elsewhere.example/realms/insa-lyon"})

    rejected = await rejection(verifier, token)

    assert rejected.reason == "unknown issuer https://sso.elsewhere.example/realms/insa-lyon"
    assert rejected.status == 401


async def test_token_for_another_audience_is_rejected(verifier: TokenVerifier, school_realm: Realm) -> None:
    token = school_realm.mint({"aud": "account"})

    assert (await rejection(verifier, token)).reason.startswith("audience mismatch: expected groupdesk")


async def test_token_listing_groupdesk_among_audiences_is_accepted(
    verifier: TokenVerifier, school_realm: Realm
) -> None:
    token = school_realm.mint({"aud": ["account", "groupdesk"]})

    assert "groupdesk" in (await verifier.verify(token)).claims["aud"]


async def test_token_without_audience_is_rejected(verifier: TokenVerifier, school_realm: Realm) -> None:
    token = school_realm.mint({"aud": None})

    assert (await rejection(verifier, token)).reason == "token has no aud claim"


async def test_unsigned_token_with_alg_none_is_rejected(verifier: TokenVerifier, school_realm: Realm) -> None:
    token = school_realm.mint(alg="none")

    assert (await rejection(verifier, token)).reason == "unsupported algorithm none"


async def test_hs256_token_signed_with_the_realm_public_key_is_rejected(
    verifier: TokenVerifier, school_realm: Realm
) -> None:
    token = school_realm.mint(alg="HS256", key=school_realm.public_key_pem, kid=school_realm.kid)

    assert (await rejection(verifier, token)).reason == "unsupported algorithm HS256"


async def test_header_whose_alg_is_not_a_string_is_rejected(
    verifier: TokenVerifier, school_realm: Realm
) -> None:
    _, payload, signature = school_realm.mint().split(".")
    header = encode_segment({"alg": ["RS256"], "kid": school_realm.kid})

    assert (await rejection(verifier, f"{header}.{payload}.{signature}")).reason.startswith(
        "unsupported algorithm"
    )


async def test_token_naming_an_unknown_key_is_rejected(verifier: TokenVerifier, school_realm: Realm) -> None:
    token = school_realm.mint(kid="no-such-key")

    assert (await rejection(verifier, token)).reason == "unknown signing key kid=no-such-key"


async def test_token_naming_no_key_is_rejected(verifier: TokenVerifier, school_realm: Realm) -> None:
    token = school_realm.mint(header={"kid": None})

    assert (await rejection(verifier, token)).reason == "token has no signing key id (kid)"


async def test_tampered_payload_fails_the_signature(verifier: TokenVerifier, school_realm: Realm) -> None:
    token = tampered(school_realm.mint({"sub": "user-1"}), sub="someone-else")

    assert (await rejection(verifier, token)).reason == "signature invalid"


@pytest.mark.parametrize("subject", [None, ""])
async def test_token_without_subject_is_rejected(
    verifier: TokenVerifier, school_realm: Realm, subject: str | None
) -> None:
    token = school_realm.mint({"sub": subject})

    assert (await rejection(verifier, token)).reason == "token has no subject (sub)"


async def test_id_token_is_not_accepted_as_a_bearer_token(
    verifier: TokenVerifier, school_realm: Realm
) -> None:
    token = school_realm.mint({"typ": "ID"})

    assert (await rejection(verifier, token)).reason == "not an access token (typ=ID)"


async def test_refresh_token_from_keycloak_is_not_accepted_as_a_bearer_token(
    verifier: TokenVerifier, school_realm: Realm
) -> None:
    form = {"grant_type": "password", "client_id": "groupdesk-portal"}
    credentials = {"username": "agent-lyon", "password": "agent-password"}
    status, issued = school_realm.grant({**form, **credentials}, None)
    assert status == 200

    assert (await rejection(verifier, issued["refresh_token"])).reason == "unsupported algorithm HS512"


@pytest.mark.parametrize("token", ["", "not-a-token", "a.b", "e30.e30.e30.e30.e30", "!!.??.sig"])
async def test_malformed_token_is_rejected(verifier: TokenVerifier, token: str) -> None:
    assert (await rejection(verifier, token)).reason.startswith(("malformed token", "no token"))


@pytest.mark.parametrize("alg", ["PS256", "ES256"])
async def test_other_asymmetric_algorithms_are_accepted(
    verifier_for: Callable[..., TokenVerifier], fresh_realm: Realm, alg: str
) -> None:
    key = jwk.JWK.generate(kty="EC", crv="P-256", kid="ec-key") if alg == "ES256" else fresh_realm.signing_key
    fresh_realm.add_key(key)

    verified = await verifier_for(fresh_realm).verify(fresh_realm.mint({"sub": "u"}, alg=alg, key=key))

    assert verified.claims["sub"] == "u"


async def test_unreachable_keycloak_yields_a_503_not_a_401(
    verifier_for: Callable[..., TokenVerifier], config_for: Callable[..., RealmConfig], fresh_realm: Realm
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    dead = config_for(fresh_realm, server_url=f"http://127.0.0.1:{closed_port}/")
    verifier = TokenVerifier([dead])
    try:
        rejected = await rejection(verifier, fresh_realm.mint({"iss": dead.issuer}))
    finally:
        await verifier.aclose()

    assert rejected.status == 503
    assert "unavailable" in rejected.reason


def test_realm_config_normalises_server_url_and_defaults_client_to_audience() -> None:
    config = RealmConfig("https://sso.example/auth", "insa-lyon", "groupdesk")

    assert config.server_url == "https://sso.example/auth/"
    assert config.issuer == "https://sso.example/auth/realms/insa-lyon"
    assert config.client_id == "groupdesk"


def test_one_issuer_cannot_be_trusted_twice(
    school_realm: Realm, config_for: Callable[..., RealmConfig]
) -> None:
    with pytest.raises(ConfigurationError, match="configured twice"):
        TokenVerifier([config_for(school_realm), config_for(school_realm, tenant="insa-lyon")])


async def test_aclose_closes_every_realm_http_client(
    config_for: Callable[..., RealmConfig], school_realm: Realm, other_realm: Realm
) -> None:
    verifier = TokenVerifier([config_for(school_realm), config_for(other_realm)])
    clients = [openid.connection.async_s for openid in verifier._clients]
    await verifier.verify(school_realm.mint())

    await verifier.aclose()

    assert len(clients) == 2
    assert all(client.is_closed for client in clients)
