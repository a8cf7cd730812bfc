"""The development issuer: a persistent key file and tokens the verifier accepts as local."""

from __future__ import annotations

import json
import stat
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from jwcrypto import jwk

from server.errors import ConfigurationError
from server.identity.local_issuer import LocalIssuer
from server.identity.tokens import TokenRejected, TokenVerifier
from tests.support.realm import Realm


@pytest.fixture
def key_path(tmp_path: Path) -> Path:
    return tmp_path / "state" / "dev" / "local-issuer.jwk.json"


def test_key_file_is_created_private_in_a_new_directory(key_path: Path) -> None:
    issuer = LocalIssuer.load_or_create(key_path)

    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    stored = json.loads(key_path.read_text())
    assert stored["kty"] == "RSA"
    assert stored["kid"] == issuer.kid
    assert "d" in stored
    assert int.bit_length(int.from_bytes(jwk.base64url_decode(stored["n"]), "big")) == 2048
    assert list(key_path.parent.iterdir()) == [key_path]


def test_reloading_keeps_the_same_key(key_path: Path) -> None:
    first = LocalIssuer.load_or_create(key_path)

    second = LocalIssuer.load_or_create(key_path)

    assert second.kid == first.kid
    assert second.jwks().export(private_keys=False) == first.jwks().export(private_keys=False)


def test_jwks_holds_only_the_public_key(key_path: Path) -> None:
    keys = LocalIssuer.load_or_create(key_path).jwks().export(private_keys=False, as_dict=True)["keys"]

    assert len(keys) == 1
    assert not {"d", "p", "q", "dp", "dq", "qi"} & keys[0].keys()
    assert all(not key.has_private for key in LocalIssuer.load_or_create(key_path).jwks()["keys"])


async def test_signed_token_is_accepted_as_local(key_path: Path) -> None:
    issuer = LocalIssuer.load_or_create(key_path)
    token = issuer.sign("user-7", username="dev-expert", extra={"realm_access": {"roles": ["expert"]}})

    async with TokenVerifier([], local=issuer) as verifier:
        verified = await verifier.verify(token)

    assert verified.local is True
    assert verified.realm is None
    assert verified.issuer == "urn:groupdesk:local"
    assert verified.claims["sub"] == "user-7"
    assert verified.claims["preferred_username"] == "dev-expert"
    assert verified.claims["aud"] == "groupdesk"
    assert verified.claims["realm_access"] == {"roles": ["expert"]}


def test_token_carries_rs256_kid_and_registered_claims(key_path: Path) -> None:
    issuer = LocalIssuer.load_or_create(key_path, issuer="urn:test:dev", audience="desk")
    before = int(time.time())

    token = issuer.sign("user-7", username="dev", lifetime=600)

    header = json.loads(jwk.base64url_decode(token.split(".")[0]))
    claims = json.loads(jwk.base64url_decode(token.split(".")[1]))
    assert header["alg"] == "RS256"
    assert header["kid"] == issuer.kid
    assert claims["iss"] == "urn:test:dev"
    assert claims["aud"] == "desk"
    assert before <= claims["iat"] == claims["nbf"] <= int(time.time())
    assert claims["exp"] == claims["iat"] + 600


async def test_token_of_another_local_key_is_rejected(tmp_path: Path) -> None:
    trusted = LocalIssuer.load_or_create(tmp_path / "a.json")
    stranger = LocalIssuer.load_or_create(tmp_path / "b.json")

    async with TokenVerifier([], local=trusted) as verifier:
        with pytest.raises(TokenRejected, match=f"unknown signing key kid={stranger.kid}"):
            await verifier.verify(stranger.sign("user-1", username="intruder"))


async def test_local_tokens_are_refused_when_the_local_issuer_is_not_enabled(
    key_path: Path, verifier_for: Callable[..., TokenVerifier], school_realm: Realm
) -> None:
    token = LocalIssuer.load_or_create(key_path).sign("user-1", username="dev")

    with pytest.raises(TokenRejected, match="unknown issuer urn:groupdesk:local"):
        await verifier_for(school_realm).verify(token)


async def test_local_and_realm_tokens_are_both_accepted_by_one_verifier(
    key_path: Path, verifier_for: Callable[..., TokenVerifier], school_realm: Realm
) -> None:
    issuer = LocalIssuer.load_or_create(key_path)
    verifier = verifier_for(school_realm, local=issuer)

    local = await verifier.verify(issuer.sign("user-1", username="dev"))
    remote = await verifier.verify(school_realm.mint())

    assert (local.local, remote.local) == (True, False)


def test_extra_claims_cannot_replace_the_issuer_s_own(key_path: Path) -> None:
    issuer = LocalIssuer.load_or_create(key_path)

    with pytest.raises(ValueError, match="aud, exp"):
        issuer.sign("user-1", username="dev", extra={"aud": "other", "exp": 1, "email": "dev@example.org"})


def test_a_key_file_without_a_private_rsa_key_is_refused(key_path: Path) -> None:
    key_path.parent.mkdir(parents=True)
    public_only = jwk.JWK.generate(kty="RSA", size=2048).export_public()
    key_path.write_text(public_only)

    with pytest.raises(ConfigurationError, match="private RSA key"):
        LocalIssuer.load_or_create(key_path)


def test_a_corrupt_key_file_is_refused(key_path: Path) -> None:
    key_path.parent.mkdir(parents=True)
    key_path.write_text("{not json")

    with pytest.raises(ConfigurationError, match="does not hold a JWK"):
        LocalIssuer.load_or_create(key_path)
