"""Cached realm keys age out: a removed key is refused within the max age, an outage is bounded,
and recovery after an outage does not wait for the refetch interval. The clock is injected."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from server.identity.tokens import IdentityProviderUnavailable, TokenRejected, TokenVerifier
from tests.support.clock import ManualClock
from tests.support.realm import Realm


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def ageing_verifier(verifier_for: Callable[..., TokenVerifier], fresh_realm: Realm,
                    clock: ManualClock) -> TokenVerifier:
    return verifier_for(fresh_realm, min_refetch_interval=30, jwks_max_age=300, jwks_max_stale=3600,
                        jwks_retry_after=2, clock=clock)


async def test_a_key_removed_from_the_realm_is_refused_once_the_cached_set_is_older_than_the_max_age(
        ageing_verifier: TokenVerifier, fresh_realm: Realm, clock: ManualClock) -> None:
    old_kid = fresh_realm.kid
    old_token = fresh_realm.mint({"sub": "old"})
    await ageing_verifier.verify(old_token)
    fresh_realm.rotate_keys(keep_previous=True)
    fresh_realm.remove_key(old_kid)

    clock.advance(299)
    assert (await ageing_verifier.verify(old_token)).claims["sub"] == "old"  # still within the max age
    assert fresh_realm.certs_requests == 1
    clock.advance(2)

    with pytest.raises(TokenRejected, match=f"unknown signing key kid={old_kid}"):
        await ageing_verifier.verify(old_token)
    assert fresh_realm.certs_requests == 2
    assert (await ageing_verifier.verify(fresh_realm.mint({"sub": "new"}))).claims["sub"] == "new"


async def test_during_an_outage_old_keys_serve_until_the_hard_limit_then_503(
        ageing_verifier: TokenVerifier, fresh_realm: Realm, clock: ManualClock) -> None:
    token = fresh_realm.mint({"sub": "u"})
    await ageing_verifier.verify(token)
    fresh_realm.down = True

    clock.advance(301)
    assert (await ageing_verifier.verify(token)).claims["sub"] == "u"
    assert fresh_realm.certs_requests == 2  # the aged set was refetched, and that failed
    # Within the retry delay nobody asks the realm again, however many requests come.
    for _ in range(20):
        await ageing_verifier.verify(token)
    assert fresh_realm.certs_requests == 2

    clock.advance(3600 - 301)
    with pytest.raises(IdentityProviderUnavailable) as refused:
        await ageing_verifier.verify(token)
    assert refused.value.status == 503 and refused.value.retry_after == 2
    assert "unavailable" in refused.value.reason


async def test_recovery_after_an_outage_takes_the_retry_delay_not_the_refetch_interval(
        ageing_verifier: TokenVerifier, fresh_realm: Realm, clock: ManualClock) -> None:
    fresh_realm.down = True
    token = fresh_realm.mint({"sub": "u"})
    with pytest.raises(IdentityProviderUnavailable):
        await ageing_verifier.verify(token)
    fresh_realm.down = False

    with pytest.raises(IdentityProviderUnavailable):
        await ageing_verifier.verify(token)  # the same instant: no new attempt yet
    assert fresh_realm.certs_requests == 1
    clock.advance(2)

    assert (await ageing_verifier.verify(token)).claims["sub"] == "u"
    assert fresh_realm.certs_requests == 2


async def test_unknown_kids_after_a_fresh_fetch_still_wait_the_refetch_interval(
        ageing_verifier: TokenVerifier, fresh_realm: Realm, clock: ManualClock) -> None:
    await ageing_verifier.verify(fresh_realm.mint())
    clock.advance(10)
    for n in range(5):
        with pytest.raises(TokenRejected, match="unknown signing key"):
            await ageing_verifier.verify(fresh_realm.mint(kid=f"bogus-{n}"))
    assert fresh_realm.certs_requests == 1
    clock.advance(21)

    with pytest.raises(TokenRejected, match="unknown signing key"):
        await ageing_verifier.verify(fresh_realm.mint(kid="bogus-late"))
    assert fresh_realm.certs_requests == 2


async def test_an_unreachable_realm_is_a_503_with_retry_after_over_http(
        sso_client_for: Callable[..., Any], fresh_realm: Realm) -> None:
    fresh_realm.down = True
    client: httpx.AsyncClient = await sso_client_for(fresh_realm.name, oidc_jwks_retry_seconds=3)

    response = await client.post("/graphql", json={"query": "{ viewer { roles } }"},
                                 headers={"Authorization": f"Bearer {fresh_realm.mint({'sub': 'u'})}"})

    assert response.status_code == 503
    assert response.headers["retry-after"] == "3"
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert error["message"] == f"signing keys of realm {fresh_realm.name} are unavailable"
