"""Time claims a real issuer would never write (null, text, infinity) are a 401 saying which, never a 500."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from jwcrypto import jwt

from server.identity.local_issuer import LocalIssuer
from server.identity.tokens import TokenRejected, TokenVerifier


@pytest.fixture(scope="module")
def issuer(tmp_path_factory: pytest.TempPathFactory) -> LocalIssuer:
    return LocalIssuer.load_or_create(Path(tmp_path_factory.mktemp("claims")) / "key.json")


def signed(issuer: LocalIssuer, **claims: Any) -> str:
    """A correctly signed token whose claims are overridden by `claims`."""
    now = int(time.time())
    body = {"iss": issuer.issuer, "aud": issuer.audience, "sub": "someone", "typ": "Bearer",
            "iat": now, "exp": now + 600, **claims}
    token = jwt.JWT(header={"alg": "RS256", "typ": "JWT", "kid": issuer.kid}, claims=json.dumps(body))
    token.make_signed_token(issuer._key)
    return str(token.serialize())


@pytest.mark.parametrize(("claim", "value", "shown"), [
    ("exp", None, "null"), ("exp", "tomorrow", '"tomorrow"'), ("exp", float("inf"), "Infinity"),
    ("exp", True, "true"), ("exp", [1], "[1]"), ("nbf", None, "null"), ("iat", "x", '"x"'),
])
async def test_a_time_claim_that_is_not_a_number_is_refused_naming_it(
        issuer: LocalIssuer, claim: str, value: Any, shown: str) -> None:
    async with TokenVerifier([], local=issuer) as verifier:
        with pytest.raises(TokenRejected) as refused:
            await verifier.verify(signed(issuer, **{claim: value}))
    assert refused.value.status == 401
    assert refused.value.reason == (f"malformed claim: {claim} must be a number of seconds since "
                                    f"1970 (NumericDate), got {shown}")


async def test_a_token_with_numeric_time_claims_is_still_accepted(issuer: LocalIssuer) -> None:
    async with TokenVerifier([], local=issuer) as verifier:
        verified = await verifier.verify(signed(issuer, exp=time.time() + 600.5))
    assert verified.claims["sub"] == "someone"
