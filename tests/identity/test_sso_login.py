"""SSO through the HTTP API with tokens of the test realm: users created on first login, kept up to date."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from keycloak import KeycloakOpenID
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.identity.models import Tenant, User
from server.identity.sso_users import TenantRule, identity_from_token, profile_changes
from server.identity.tokens import VerifiedToken
from tests.support.realm import Realm, RealmServer

VIEWER = "{ viewer { user { username email displayName technical } tenant { slug } roles } }"


def person(realm: Realm, username: str, *, sub: str | None = None, organization: Any = "insa-lyon",
           roles: tuple[str, ...] = ("school-agent",), **claims: Any) -> str:
    """An access token of the realm for a person of a school (Keycloak's claims)."""
    return realm.mint({"sub": sub or str(uuid.uuid4()), "preferred_username": username,
                       "organization": organization, "realm_access": {"roles": list(roles)}, **claims})


async def call(client: httpx.AsyncClient, token: str, query: str = VIEWER,
               variables: dict[str, Any] | None = None) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": query, "variables": variables},
                                  headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body["errors"]
    return body["data"]


async def stored(session: AsyncSession, realm: Realm, sub: str) -> User:
    session.expire_all()
    user = await session.scalar(select(User).where(User.issuer == realm.issuer, User.subject == sub))
    assert user is not None, f"no user for {sub}"
    return user


@pytest.fixture
async def insa(sso_client_for: Callable[..., Any], insa_realm: Realm) -> httpx.AsyncClient:
    """The API trusting the group's shared realm, schools read from the organization claim."""
    return await sso_client_for(insa_realm.name)


async def test_first_login_creates_the_user_from_the_token(
        insa: httpx.AsyncClient, insa_realm: Realm, session: AsyncSession) -> None:
    token = person(insa_realm, "newcomer.lyon", sub="sub-newcomer", email="newcomer@lyon.example.org",
                   given_name="New", family_name="Comer", iat=int(time.time()) - 5)

    viewer = (await call(insa, token))["viewer"]

    assert viewer == {"user": {"username": "newcomer.lyon", "email": "newcomer@lyon.example.org",
                               "displayName": "New Comer", "technical": False},
                      "tenant": {"slug": "insa-lyon"}, "roles": ["SCHOOL_AGENT"]}
    user = await stored(session, insa_realm, "sub-newcomer")
    assert user.active and user.role_names == ["school-agent"]
    assert user.last_login_at is not None and abs(user.last_login_at.timestamp() - (time.time() - 5)) < 3


async def test_later_login_updates_email_name_and_roles(
        insa: httpx.AsyncClient, insa_realm: Realm, session: AsyncSession) -> None:
    await call(insa, person(insa_realm, "mover", sub="sub-mover", email="old@lyon.example.org",
                            iat=int(time.time()) - 60))
    first_login = (await stored(session, insa_realm, "sub-mover")).last_login_at

    later = person(insa_realm, "mover", sub="sub-mover", email="new@lyon.example.org", name="Renamed Person",
                   organization=["insa-lyon"], roles=("school-manager", "expert"))
    viewer = (await call(insa, later))["viewer"]

    assert viewer["tenant"] == {"slug": "insa-lyon"}
    assert viewer["roles"] == ["EXPERT", "SCHOOL_MANAGER"]
    user = await stored(session, insa_realm, "sub-mover")
    assert (user.email, user.display_name, user.username) == ("new@lyon.example.org", "Renamed Person", "mover")
    assert first_login is not None and user.last_login_at is not None and user.last_login_at > first_login


async def test_login_with_unchanged_claims_has_nothing_to_write(
        insa: httpx.AsyncClient, insa_realm: Realm, session: AsyncSession) -> None:
    claims = {"sub": "sub-steady", "iat": int(time.time()) - 30, "email": "steady@lyon.example.org"}
    await call(insa, person(insa_realm, "steady", **claims))
    user = await stored(session, insa_realm, "sub-steady")
    tenant = await session.get(Tenant, user.tenant_id)
    assert tenant is not None

    def changes(**different: Any) -> dict[str, Any]:
        token = VerifiedToken(insa_realm.issuer, None, {"preferred_username": "steady", "organization": "insa-lyon",
                                                        "realm_access": {"roles": ["school-agent"]},
                                                        **claims, **different}, local=False)
        return profile_changes(user, tenant, identity_from_token(token, TenantRule()))

    assert changes() == {}
    assert changes(email="moved@lyon.example.org") == {"email": "moved@lyon.example.org"}
    assert set(changes(iat=claims["iat"] + 300)) == {"last_login_at"}
    assert changes(iat=claims["iat"] - 300) == {}  # an older token is no newer login


async def test_existing_user_is_found_by_issuer_and_subject_not_by_username(
        insa: httpx.AsyncClient, insa_realm: Realm, session: AsyncSession) -> None:
    await session.execute(update(User).where(User.username == "amandine.roclerc")
                          .values(issuer=insa_realm.issuer, subject="sub-amandine"))
    await session.commit()

    viewer = (await call(insa, person(insa_realm, "a.roclerc", sub="sub-amandine")))["viewer"]

    assert viewer["user"]["username"] == "amandine.roclerc"


async def test_username_held_by_another_identity_is_made_unique_deterministically(
        insa: httpx.AsyncClient, insa_realm: Realm) -> None:
    first = (await call(insa, person(insa_realm, "amandine.roclerc", sub="sub-homonym-1")))["viewer"]
    second = (await call(insa, person(insa_realm, "amandine.roclerc", sub="sub-homonym-2")))["viewer"]
    again = (await call(insa, person(insa_realm, "amandine.roclerc", sub="sub-homonym-2")))["viewer"]

    assert first["user"]["username"] == "amandine.roclerc@insa-lyon"
    assert second["user"]["username"].startswith("amandine.roclerc@insa-lyon-")
    assert again["user"]["username"] == second["user"]["username"]


@pytest.mark.parametrize("organization", [["insa-rouen"], {"insa-rouen": {"id": "org-rouen"}}, "insa-rouen"],
                         ids=["list-of-aliases", "object-keyed-by-alias", "single-string"])
async def test_each_organization_claim_shape_names_the_school(
        insa: httpx.AsyncClient, insa_realm: Realm, organization: Any) -> None:
    viewer = (await call(insa, person(insa_realm, "rouen.agent", organization=organization)))["viewer"]
    assert viewer["tenant"] == {"slug": "insa-rouen"}


async def test_client_roles_of_groupdesk_count_and_other_clients_roles_do_not(
        insa: httpx.AsyncClient, insa_realm: Realm) -> None:
    token = person(insa_realm, "two.hats", resource_access={"groupdesk": {"roles": ["school-manager"]},
                                                            "other-app": {"roles": ["group-admin"]}})
    assert (await call(insa, token))["viewer"]["roles"] == ["SCHOOL_AGENT", "SCHOOL_MANAGER"]


async def test_group_path_configuration_reads_the_school_from_groups(
        sso_client_for: Callable[..., Any], insa_realm: Realm) -> None:
    client = await sso_client_for(insa_realm.name, tenant_claim="group-path")
    token = person(insa_realm, "rennes.agent", organization=None,
                   groups=["/staff", "/schools/insa-rennes/agents"])

    assert (await call(client, token))["viewer"]["tenant"] == {"slug": "insa-rennes"}
    refused = await client.post("/graphql", json={"query": VIEWER}, headers={
        "Authorization": "Bearer " + person(insa_realm, "x", organization="insa-lyon", groups=["/staff"])})
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["message"] == "token carries no tenant: no groups under /schools/"


async def test_one_realm_per_school_takes_the_school_from_the_issuer(
        sso_client_for: Callable[..., Any], school_realms: tuple[Realm, Realm]) -> None:
    lyon, rennes = school_realms
    client = await sso_client_for("lyon-sso=insa-lyon,rennes-sso=insa-rennes", tenant_claim="realm")

    from_lyon = person(lyon, "someone", organization="insa-rennes")  # the realm wins over any claim
    from_rennes = person(rennes, "someone", organization=None)

    assert (await call(client, from_lyon))["viewer"]["tenant"] == {"slug": "insa-lyon"}
    rennes_viewer = (await call(client, from_rennes))["viewer"]
    assert rennes_viewer["tenant"] == {"slug": "insa-rennes"}
    assert rennes_viewer["user"]["username"] == "someone@insa-rennes"  # another identity, same name
    forged = await client.post("/graphql", json={"query": VIEWER}, headers={
        "Authorization": "Bearer " + rennes.mint({"iss": lyon.issuer, "organization": "insa-lyon"})})
    assert forged.status_code == 401
    assert forged.json()["errors"][0]["message"] == f"unknown signing key kid={rennes.kid}"


async def test_service_account_of_a_desk_client_is_a_technical_account_of_its_school(
        insa: httpx.AsyncClient, insa_realm: Realm, realm_server: RealmServer, session: AsyncSession) -> None:
    desk = KeycloakOpenID(server_url=realm_server.url, realm_name=insa_realm.name, client_id="itop-lyon",
                          client_secret_key="itop-secret")
    try:
        issued = await desk.a_token(grant_type="client_credentials")
    finally:
        await desk.connection.aclose()

    viewer = (await call(insa, issued["access_token"]))["viewer"]

    assert viewer == {"user": {"username": "service-account-itop-lyon", "email": None,
                               "displayName": "Service account of itop-lyon", "technical": True},
                      "tenant": {"slug": "insa-lyon"}, "roles": ["DESK_INTEGRATION"]}
    sub = insa_realm.clients["itop-lyon"].service_account.sub
    assert (await stored(session, insa_realm, sub)).technical is True


async def test_lyon_agent_logs_in_at_the_realm_and_reads_the_catalogue(
        insa: httpx.AsyncClient, insa_realm: Realm, realm_server: RealmServer) -> None:
    portal = KeycloakOpenID(server_url=realm_server.url, realm_name=insa_realm.name, client_id="groupdesk-portal")
    try:
        issued = await portal.a_token("agent.lyon", "lyon-password")
    finally:
        await portal.connection.aclose()

    data = await call(insa, issued["access_token"], "{ viewer { tenant { slug } roles } bricks { code } }")

    assert data["viewer"] == {"tenant": {"slug": "insa-lyon"}, "roles": ["SCHOOL_AGENT"]}
    assert "scenari" in {brick["code"] for brick in data["bricks"]}


CREATE_BRICK = """mutation($code: String!) { createBrick(input: {code: $code, name: "Wiki"}) {
  __typename ... on Brick { code } ... on Problem { message } } }"""


async def test_catalogue_mutation_is_decided_by_the_roles_in_the_token(
        insa: httpx.AsyncClient, insa_realm: Realm) -> None:
    admin = person(insa_realm, "admin.group", organization="groupe-insa", roles=("group-admin",))
    agent = person(insa_realm, "agent.lyon2")

    created = (await call(insa, admin, CREATE_BRICK, {"code": "wiki"}))["createBrick"]
    refused = (await call(insa, agent, CREATE_BRICK, {"code": "wiki-2"}))["createBrick"]

    assert created == {"__typename": "Brick", "code": "wiki"}
    assert refused["__typename"] == "PermissionDenied"


def test_claims_that_do_not_fit_are_dropped_or_shortened(insa_realm: Realm) -> None:
    token = VerifiedToken(insa_realm.issuer, None, {
        "sub": "sub-long", "preferred_username": "u" * 400, "email": "e" * 400 + "@lyon.example.org",
        "name": "n" * 400, "organization": "insa-lyon"}, local=False)

    identity = identity_from_token(token, TenantRule())

    assert (len(identity.username), identity.email, len(identity.display_name)) == (150, None, 200)
