"""A person the federation file declares claims that account at their first SSO login, never a new one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.identity.models import User
from tests.identity.test_sso_login import call, person
from tests.support.realm import Realm
from tests.tickets.helpers import ACCOUNT_CREATION, ACCOUNT_REQUEST, LYON_AGENT, open_via_api

ISMAEL = "ismael.grandcourtois"
ISMAEL_EMAIL = "ismael.grandcourtois@insa-rouen.example.org"
ME = """{ viewer { user { username designations { level } } tenant { slug } roles }
          myQueue(first: 20) { edges { node { id } } } }"""


@pytest.fixture
async def insa(sso_client_for: Callable[..., Any], insa_realm: Realm) -> httpx.AsyncClient:
    return await sso_client_for(insa_realm.name)


async def _accounts_of(session: AsyncSession, email: str) -> list[str]:
    session.expire_all()
    return list(await session.scalars(select(User.username).where(User.email == email).order_by(User.id)))


async def _file_account(session: AsyncSession) -> User:
    session.expire_all()
    user = await session.scalar(select(User).where(User.username == ISMAEL))
    assert user is not None
    return user


async def test_a_file_expert_lands_on_their_own_account_with_designations_and_queue(
        insa: httpx.AsyncClient, insa_realm: Realm, session: AsyncSession, gql: Any) -> None:
    # Routing gives Ismaël an account request (his Account management designation is the most specific).
    ticket = await open_via_api(gql, LYON_AGENT, ACCOUNT_CREATION, ACCOUNT_REQUEST)
    before = await session.scalar(select(func.count()).select_from(User))

    # His school's realm knows him by his username; his token carries no groupdesk role.
    data = await call(insa, person(insa_realm, ISMAEL, sub="sub-ismael", organization="insa-rouen", roles=()),
                      ME)

    assert data["viewer"]["user"]["username"] == ISMAEL
    assert data["viewer"]["tenant"] == {"slug": "insa-rouen"} and data["viewer"]["roles"] == ["EXPERT"]
    assert sorted(d["level"] for d in data["viewer"]["user"]["designations"]) == ["SERVICE", "SUB_SERVICE"]
    assert ticket["id"] in {e["node"]["id"] for e in data["myQueue"]["edges"]}
    assert await session.scalar(select(func.count()).select_from(User)) == before
    account = await _file_account(session)
    assert (account.issuer, account.subject) == (insa_realm.issuer, "sub-ismael")

    # Later logins find the account directly; the file's roles stay (the token's do not replace them).
    again = await call(insa, person(insa_realm, ISMAEL, sub="sub-ismael", organization="insa-rouen",
                                    roles=("school-agent",)), ME)
    assert again["viewer"]["user"]["username"] == ISMAEL and again["viewer"]["roles"] == ["EXPERT"]


async def test_a_verified_email_claims_the_file_account_when_the_username_differs(
        insa: httpx.AsyncClient, insa_realm: Realm, session: AsyncSession) -> None:
    token = person(insa_realm, "igrandcourtois", sub="sub-ig", organization="insa-rouen",
                   email=ISMAEL_EMAIL, email_verified=True)

    viewer = (await call(insa, token))["viewer"]

    assert viewer["user"]["username"] == ISMAEL
    assert await _accounts_of(session, ISMAEL_EMAIL) == [ISMAEL]


@pytest.mark.parametrize("verified", [None, False, "true"])
async def test_an_unverified_email_never_claims_the_file_account(
        insa: httpx.AsyncClient, insa_realm: Realm, session: AsyncSession, verified: Any) -> None:
    claims: dict[str, Any] = {"email": ISMAEL_EMAIL}
    if verified is not None:
        claims["email_verified"] = verified

    viewer = (await call(insa, person(insa_realm, "not.ismael", sub="sub-other", organization="insa-rouen",
                                      **claims)))["viewer"]

    assert viewer["user"]["username"] == "not.ismael"
    account = await _file_account(session)
    assert account.issuer == "urn:groupdesk:local" and account.subject == ISMAEL


async def test_a_login_from_another_school_does_not_claim_the_file_account(
        insa: httpx.AsyncClient, insa_realm: Realm, session: AsyncSession) -> None:
    """The realm's tenant comes first: a Lyon token with Ismaël's username gets an account of its own."""
    viewer = (await call(insa, person(insa_realm, ISMAEL, sub="sub-lyon-namesake",
                                      organization="insa-lyon")))["viewer"]

    assert viewer["user"]["username"] == f"{ISMAEL}@insa-lyon"
    assert (await _file_account(session)).subject == ISMAEL


async def test_a_reloaded_federation_file_keeps_the_claimed_identity(
        insa: httpx.AsyncClient, insa_realm: Realm, session: AsyncSession) -> None:
    from server.importing import import_federation
    from tenants.federation import demo_federation_path, load_federation

    await call(insa, person(insa_realm, ISMAEL, sub="sub-ismael", organization="insa-rouen"))
    await import_federation(session, load_federation(demo_federation_path()))
    await session.flush()

    account = await _file_account(session)
    assert (account.issuer, account.subject) == (insa_realm.issuer, "sub-ismael")
