"""A token's signature and claims are checked once; the token is then trusted until it expires, as
long as the key that signed it is still the realm's (tests/identity/test_token_keys.py and
test_key_ageing.py verify a token, retire its key, and see the same token refused). The wall clock
the verifier reads is injected; jwcrypto's checks read the real one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from server.identity import tokens
from server.identity.tokens import TokenRejected, TokenVerifier
from tests.support.realm import Realm


@pytest.fixture
def validations(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The tokens whose signature and claims jwcrypto checked (the real check runs each time)."""
    seen: list[str] = []
    real = tokens._validate

    def counted(token: str, *args: Any) -> dict[str, Any]:
        seen.append(token)
        return real(token, *args)

    monkeypatch.setattr(tokens, "_validate", counted)
    return seen


async def test_a_token_is_checked_once_then_trusted_until_its_expiry_and_the_leeway(
        verifier_for: Callable[..., TokenVerifier], fresh_realm: Realm, validations: list[str]) -> None:
    now = [0.0]
    verifier = verifier_for(fresh_realm, leeway=30, wall_clock=lambda: now[0])
    token, other = fresh_realm.mint({"sub": "ana"}), fresh_realm.mint({"sub": "bob"})
    first = await verifier.verify(token)
    now[0] = first.claims["exp"] + 30  # the last second the leeway allows

    assert [(await verifier.verify(token)).claims["sub"] for _ in range(3)] == ["ana"] * 3
    assert (await verifier.verify(other)).claims["sub"] == "bob"
    assert validations == [token, other]

    now[0] += 1  # past exp + leeway: checked afresh (jwcrypto, on the real clock, still accepts it)
    assert (await verifier.verify(token)).claims == first.claims
    assert validations == [token, other, token]


async def test_only_the_exact_token_is_trusted_and_a_refused_one_is_never_kept(
        verifier_for: Callable[..., TokenVerifier], fresh_realm: Realm, validations: list[str]) -> None:
    verifier = verifier_for(fresh_realm)
    token = fresh_realm.mint({"sub": "ana"})
    await verifier.verify(token)
    header, payload, signature = token.split(".")
    forged = f"{header}.{payload}.{signature[:-4]}AAAA"
    for _ in range(2):
        with pytest.raises(TokenRejected, match="signature invalid"):
            await verifier.verify(forged)
    assert validations == [token, forged, forged]


async def test_the_tokens_kept_are_bounded_the_least_recently_used_go_first(
        verifier_for: Callable[..., TokenVerifier], fresh_realm: Realm, validations: list[str]) -> None:
    verifier = verifier_for(fresh_realm, max_verified=2)
    a, b, c = (fresh_realm.mint({"sub": name}) for name in "abc")
    for token in (a, b, a, c):  # c pushes out b, the least recently used
        await verifier.verify(token)
    await verifier.verify(a)
    await verifier.verify(b)
    assert validations == [a, b, c, b]
