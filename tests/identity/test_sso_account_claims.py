"""What a login may claim: a provisioned account only by a verified e-mail, never another school's account."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.identity.models import Tenant, User
from tests.identity.test_sso_login import VIEWER, call, person, stored
from tests.scim.conftest import ScimClient, scim_token_for
from tests.support.realm import Realm

MANAGER = "chloe.manager@insa-lyon.example.org"


@pytest.fixture
async def insa(sso_client_for: Callable[..., Any], insa_realm: Realm) -> httpx.AsyncClient:
    return await sso_client_for(insa_realm.name)


async def provisioned_manager(insa: httpx.AsyncClient, session: AsyncSession) -> int:
    """A school manager Lyon's provider created, who has never logged in."""
    scim = ScimClient(insa, await scim_token_for(session, "insa-lyon"))
    await session.commit()
    user = await scim.create_user(MANAGER, emails=[{"value": MANAGER, "primary": True, "type": "work"}])
    await scim.create_group("groupdesk-school-manager", user["id"])
    return int(user["id"])


async def reload(session: AsyncSession, user_id: int) -> User:
    user = await session.get(User, user_id, populate_existing=True)
    assert user is not None
    return user


@pytest.mark.parametrize("verified", [None, False, "true", 1])
async def test_an_unverified_email_does_not_claim_a_provisioned_account(
        insa: httpx.AsyncClient, insa_realm: Realm, session: AsyncSession, verified: Any) -> None:
    manager_id = await provisioned_manager(insa, session)
    claims: dict[str, Any] = {"email": MANAGER}
    if verified is not None:
        claims["email_verified"] = verified

    viewer = (await call(insa, person(insa_realm, "intruder", sub="sub-intruder", **claims)))["viewer"]

    assert viewer["user"]["username"] == "intruder" and viewer["roles"] == ["SCHOOL_AGENT"]
    manager = await reload(session, manager_id)
    assert manager.issuer.startswith("urn:groupdesk:scim:") and manager.subject != "sub-intruder"
    assert (await stored(session, insa_realm, "sub-intruder")).id != manager_id


async def test_a_verified_email_claims_the_provisioned_account(
        insa: httpx.AsyncClient, insa_realm: Realm, session: AsyncSession) -> None:
    manager_id = await provisioned_manager(insa, session)

    token = person(insa_realm, "chloe", sub="sub-chloe", email=MANAGER, email_verified=True)
    viewer = (await call(insa, token))["viewer"]

    assert viewer["user"]["username"] == MANAGER and viewer["roles"] == ["SCHOOL_MANAGER"]
    manager = await reload(session, manager_id)
    assert (manager.issuer, manager.subject) == (insa_realm.issuer, "sub-chloe")


async def test_a_token_naming_another_school_is_refused_and_moves_nothing(
        insa: httpx.AsyncClient, insa_realm: Realm, session: AsyncSession) -> None:
    await call(insa, person(insa_realm, "stays.lyon", sub="sub-stays", roles=("school-manager",)))
    before = await stored(session, insa_realm, "sub-stays")
    lyon = await session.scalar(select(Tenant.id).where(Tenant.slug == "insa-lyon"))

    response = await insa.post("/graphql", json={"query": VIEWER}, headers={
        "Authorization": "Bearer " + person(insa_realm, "stays.lyon", sub="sub-stays",
                                            organization="insa-rennes", roles=("school-agent",))})

    assert response.status_code == 403
    assert response.json()["errors"][0]["message"] == (
        "this account belongs to INSA Lyon; a token for INSA Rennes cannot use it: "
        "ask a group administrator to move it")
    after = await stored(session, insa_realm, "sub-stays")
    assert (after.tenant_id, after.role_names) == (lyon, ["school-manager"])
    assert after.updated_at == before.updated_at
