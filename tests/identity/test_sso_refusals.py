"""Every broken SSO token is refused by the HTTP API with 401/403 and a message saying why."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.identity.models import Tenant, User
from tests.identity.test_sso_login import call, person
from tests.support.realm import Realm

QUERY = "{ bricks { code } }"


def tampered(token: str, **changes: Any) -> str:
    """Rewrite claims while keeping the original signature."""
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims.update(changes)
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


def agent(realm: Realm, **claims: Any) -> str:
    return person(realm, "broken.token", sub="sub-broken", **claims)


# kind -> (token maker, HTTP status, exact message)
BROKEN: dict[str, tuple[Callable[[Realm], str], int, str]] = {
    "expired": (lambda r: agent(r, exp=int(time.time()) - 120), 401, "token expired"),
    "not yet valid": (lambda r: agent(r, nbf=int(time.time()) + 600), 401, "token not yet valid"),
    "wrong issuer": (lambda r: agent(r, iss="https://sso.elsewhere.example/realms/insa"), 401,
                     "unknown issuer https://sso.elsewhere.example/realms/insa"),
    "wrong audience": (lambda r: agent(r, aud="account"), 401,
                       "audience mismatch: expected groupdesk, token is for account"),
    "alg none": (lambda r: r.mint({"organization": "insa-lyon"}, alg="none"), 401,
                 "unsupported algorithm none"),
    "HS256 with the public key": (lambda r: r.mint({"organization": "insa-lyon"}, alg="HS256",
                                                   key=r.public_key_pem, kid=r.kid), 401,
                                  "unsupported algorithm HS256"),
    "unknown kid": (lambda r: r.mint({"organization": "insa-lyon"}, kid="no-such-key"), 401,
                    "unknown signing key kid=no-such-key"),
    "tampered payload": (lambda r: tampered(agent(r), organization="groupe-insa",
                                            realm_access={"roles": ["group-admin"]}), 401, "signature invalid"),
    "ID token": (lambda r: agent(r, typ="ID"), 401, "not an access token (typ=ID)"),
    "missing tenant claim": (lambda r: agent(r, organization=None), 403,
                             "token carries no tenant: no organization claim"),
    "ambiguous tenant claim": (lambda r: agent(r, organization=["insa-lyon", "insa-rennes"]), 403,
                               "token carries no tenant: ambiguous organization claim (insa-lyon, insa-rennes)"),
    "unknown tenant": (lambda r: agent(r, organization="insa-xyz"), 403, "unknown tenant insa-xyz"),
}


@pytest.fixture
async def insa(sso_client_for: Callable[..., Any], insa_realm: Realm) -> httpx.AsyncClient:
    return await sso_client_for(insa_realm.name)


async def users_of(session: AsyncSession, realm: Realm) -> int:
    return await session.scalar(select(func.count()).select_from(User).where(User.issuer == realm.issuer)) or 0


@pytest.mark.parametrize("kind", list(BROKEN))
async def test_broken_token_is_refused_with_its_reason_and_creates_no_user(
        insa: httpx.AsyncClient, insa_realm: Realm, session: AsyncSession, kind: str) -> None:
    make, status, message = BROKEN[kind]
    before = await users_of(session, insa_realm)

    response = await insa.post("/graphql", json={"query": QUERY},
                               headers={"Authorization": f"Bearer {make(insa_realm)}"})

    assert response.status_code == status, response.text
    error = response.json()["errors"][0]
    assert error["message"] == message
    assert error["extensions"]["code"] == ("UNAUTHENTICATED" if status == 401 else "FORBIDDEN")
    assert "data" not in response.json()
    assert response.headers["www-authenticate"].startswith('Bearer error="invalid_token"')
    assert await users_of(session, insa_realm) == before


async def test_the_same_request_with_a_good_token_succeeds(insa: httpx.AsyncClient, insa_realm: Realm) -> None:
    assert "scenari" in {b["code"] for b in (await call(insa, agent(insa_realm), QUERY))["bricks"]}


async def test_token_of_a_deactivated_user_is_a_403(
        insa: httpx.AsyncClient, insa_realm: Realm, session: AsyncSession) -> None:
    await call(insa, agent(insa_realm), QUERY)
    await session.execute(update(User).where(User.issuer == insa_realm.issuer, User.subject == "sub-broken")
                          .values(active=False))
    await session.commit()

    response = await insa.post("/graphql", json={"query": QUERY},
                               headers={"Authorization": f"Bearer {agent(insa_realm)}"})

    assert response.status_code == 403
    assert response.json()["errors"][0]["message"] == "user broken.token is deactivated"


async def test_token_naming_a_deactivated_tenant_is_a_403(
        insa: httpx.AsyncClient, insa_realm: Realm, session: AsyncSession) -> None:
    await session.execute(update(Tenant).where(Tenant.slug == "insa-hdf").values(active=False))
    await session.commit()

    response = await insa.post("/graphql", json={"query": QUERY}, headers={
        "Authorization": f"Bearer {agent(insa_realm, organization='insa-hdf')}"})

    assert response.status_code == 403
    assert response.json()["errors"][0]["message"] == "tenant insa-hdf is deactivated"


async def test_key_rotation_is_picked_up_without_restart(
        sso_client_for: Callable[..., Any], fresh_realm: Realm) -> None:
    client = await sso_client_for(fresh_realm.name, oidc_jwks_refetch_interval=0.05)
    before = person(fresh_realm, "rotating", sub="sub-rotating")
    await call(client, before, QUERY)

    fresh_realm.rotate_keys(keep_previous=False)
    await asyncio.sleep(0.06)
    after = person(fresh_realm, "rotating", sub="sub-rotating")

    await call(client, after, QUERY)
    assert fresh_realm.certs_requests == 2
    await asyncio.sleep(0.06)
    retired = await client.post("/graphql", json={"query": QUERY}, headers={"Authorization": f"Bearer {before}"})
    assert retired.status_code == 401
    assert retired.json()["errors"][0]["message"].startswith("unknown signing key kid=")


async def test_unknown_kids_refetch_the_keys_at_most_once_per_interval(
        sso_client_for: Callable[..., Any], fresh_realm: Realm) -> None:
    client = await sso_client_for(fresh_realm.name, oidc_jwks_refetch_interval=60)
    await call(client, person(fresh_realm, "prober"), QUERY)

    for n in range(10):
        forged = fresh_realm.mint({"organization": "insa-lyon"}, kid=f"made-up-{n}")
        response = await client.post("/graphql", json={"query": QUERY}, headers={"Authorization": f"Bearer {forged}"})
        assert response.status_code == 401

    # The interval counts from the first load: made-up kids cannot make groupdesk hammer Keycloak.
    assert fresh_realm.certs_requests == 1
