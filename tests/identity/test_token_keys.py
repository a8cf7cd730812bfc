"""How the verifier gets realm keys: once, from the right realm, again only on rotation."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from jwcrypto import jwk

from server.identity.tokens import TokenRejected, TokenVerifier
from tests.support.clock import ManualClock
from tests.support.realm import Realm


async def test_jwks_is_fetched_once_for_many_verifications(
    verifier_for: Callable[..., TokenVerifier], fresh_realm: Realm
) -> None:
    verifier = verifier_for(fresh_realm)
    tokens = [fresh_realm.mint({"sub": f"user-{n}"}) for n in range(40)]

    # The first burst arrives concurrently, before any key is cached.
    first = await asyncio.gather(*(verifier.verify(token) for token in tokens[:20]))
    later = [await verifier.verify(token) for token in tokens[20:]]

    assert len(first) + len(later) == 40
    assert fresh_realm.certs_requests == 1


async def test_token_from_a_second_trusted_realm_is_verified_with_that_realm(
    verifier: TokenVerifier, other_realm: Realm
) -> None:
    verified = await verifier.verify(other_realm.mint({"sub": "user-r"}))

    assert verified.realm is not None
    assert verified.realm.realm == other_realm.name
    assert verified.issuer == other_realm.issuer


async def test_token_signed_by_another_realm_key_but_claiming_this_issuer_is_rejected(
    verifier: TokenVerifier, school_realm: Realm, other_realm: Realm
) -> None:
    forged = other_realm.mint({"iss": school_realm.issuer})

    assert (await verifier.verify(school_realm.mint())).issuer == school_realm.issuer
    with pytest.raises(TokenRejected, match=f"unknown signing key kid={other_realm.kid}"):
        await verifier.verify(forged)


async def test_token_borrowing_this_realm_kid_but_signed_by_another_realm_fails_the_signature(
    verifier: TokenVerifier, school_realm: Realm, other_realm: Realm
) -> None:
    forged = other_realm.mint({"iss": school_realm.issuer}, kid=school_realm.kid)

    with pytest.raises(TokenRejected, match="signature invalid"):
        await verifier.verify(forged)


async def test_key_rotation_is_picked_up_without_restart(
    verifier_for: Callable[..., TokenVerifier], fresh_realm: Realm
) -> None:
    clock = ManualClock()
    verifier = verifier_for(fresh_realm, min_refetch_interval=0.2, clock=clock)
    before = fresh_realm.mint({"sub": "before"})
    await verifier.verify(before)

    fresh_realm.rotate_keys(keep_previous=False)
    clock.advance(0.25)
    after = await verifier.verify(fresh_realm.mint({"sub": "after"}))

    assert after.claims["sub"] == "after"
    assert fresh_realm.certs_requests == 2
    # The refetched set no longer holds the retired key.
    with pytest.raises(TokenRejected, match="unknown signing key"):
        await verifier.verify(before)


async def test_unknown_kids_trigger_at_most_one_refetch_per_interval(
    verifier_for: Callable[..., TokenVerifier], fresh_realm: Realm
) -> None:
    clock = ManualClock()
    verifier = verifier_for(fresh_realm, min_refetch_interval=0.3, clock=clock)
    await verifier.verify(fresh_realm.mint())
    bogus = [fresh_realm.mint(kid=f"bogus-{n}") for n in range(25)]

    async def flood() -> list[BaseException | object]:
        return await asyncio.gather(*(verifier.verify(token) for token in bogus), return_exceptions=True)

    within_interval = await flood()
    assert fresh_realm.certs_requests == 1
    clock.advance(0.35)
    after_interval = await flood()

    assert fresh_realm.certs_requests == 2
    assert all(isinstance(outcome, TokenRejected) for outcome in within_interval + after_interval)


async def test_default_interval_keeps_a_bogus_kid_flood_away_from_keycloak(
    verifier_for: Callable[..., TokenVerifier], fresh_realm: Realm
) -> None:
    verifier = verifier_for(fresh_realm)
    await verifier.verify(fresh_realm.mint())

    for n in range(50):
        with pytest.raises(TokenRejected, match="unknown signing key"):
            await verifier.verify(fresh_realm.mint(kid=f"bogus-{n}"))

    assert fresh_realm.certs_requests == 1


async def test_encryption_keys_in_the_jwks_are_not_used_for_signatures(
    verifier_for: Callable[..., TokenVerifier], fresh_realm: Realm
) -> None:
    # An attacker cannot sign with Keycloak's encryption key, but the verifier must not even try it.
    material = fresh_realm.encryption_key.export_private(as_dict=True)
    same_key_for_signing = jwk.JWK(**{name: value for name, value in material.items() if name != "use"})
    token = fresh_realm.mint(key=same_key_for_signing, alg="RS256")

    with pytest.raises(TokenRejected, match=f"unknown signing key kid={fresh_realm.encryption_key['kid']}"):
        await verifier_for(fresh_realm).verify(token)
