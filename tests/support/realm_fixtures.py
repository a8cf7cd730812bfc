"""Realm fixtures (a pytest plugin loaded by tests/conftest.py): one Keycloak-compatible realm server
per session, realms with their own keys, and verifiers closed after each test."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from server.identity.tokens import RealmConfig, TokenVerifier
from tests.support.realm import Realm, RealmServer
from tests.support.live_server import ENGLISH

AUDIENCE = "groupdesk"


@pytest.fixture(scope="session")
def realm_server() -> Iterator[RealmServer]:
    with RealmServer() as server:
        yield server


@pytest.fixture(scope="session")
def school_realm(realm_server: RealmServer) -> Realm:
    """A school's realm with an agent, the portal (public client) and a desk bridge account."""
    realm = realm_server.add_realm("insa-lyon", audience=AUDIENCE)
    realm.add_user(
        "agent-lyon",
        "agent-password",
        realm_roles=("school-agent",),
        client_roles={AUDIENCE: ("school-manager",), "other-app": ("group-admin",)},
        organization={"insa-lyon": {"id": "3f6c2a0e"}},
        groups=("/schools/insa-lyon/agents",),
        email="agent@lyon.example",
        first_name="Lyon",
        last_name="Agent",
    )
    realm.add_client("groupdesk-portal")
    realm.add_client("desk-bridge", "bridge-secret", realm_roles=("desk-integration",))
    return realm


@pytest.fixture(scope="session")
def other_realm(realm_server: RealmServer) -> Realm:
    return realm_server.add_realm("insa-rennes", audience=AUDIENCE)


@pytest.fixture
def fresh_realm(realm_server: RealmServer) -> Realm:
    """A realm of its own, for tests that rotate keys or count JWKS fetches."""
    return realm_server.add_realm(f"realm-{uuid.uuid4().hex[:8]}", audience=AUDIENCE)


def _config(realm: Realm, **overrides: Any) -> RealmConfig:
    settings = {"server_url": realm.server_url, "realm": realm.name, "audience": AUDIENCE}
    return RealmConfig(**{**settings, **overrides})


@pytest.fixture
def config_for() -> Callable[..., RealmConfig]:
    """The RealmConfig that trusts a realm with groupdesk's audience."""
    return _config


@pytest.fixture
async def verifier_for() -> AsyncIterator[Callable[..., TokenVerifier]]:
    """Build verifiers trusting the given realms; all are closed at teardown."""
    made: list[TokenVerifier] = []

    def make(*realms: Realm, **options: Any) -> TokenVerifier:
        verifier = TokenVerifier([_config(realm) for realm in realms], **options)
        made.append(verifier)
        return verifier

    yield make
    for verifier in made:
        await verifier.aclose()


@pytest.fixture
def verifier(
    verifier_for: Callable[..., TokenVerifier], school_realm: Realm, other_realm: Realm
) -> TokenVerifier:
    return verifier_for(school_realm, other_realm)


@pytest.fixture(scope="session")
def insa_realm(realm_server: RealmServer) -> Realm:
    """The group's shared realm: schools are Keycloak organizations, roles are realm roles."""
    realm = realm_server.add_realm("insa", audience=AUDIENCE)
    realm.add_client("groupdesk-portal")
    realm.add_user("agent.lyon", "lyon-password", realm_roles=("school-agent",),
                   organization={"insa-lyon": {"id": "org-lyon"}}, email="agent@lyon.example.org",
                   first_name="Agent", last_name="Lyon")
    # A desk's confidential client: its service account carries the school as a hardcoded claim.
    realm.add_client("itop-lyon", "itop-secret", realm_roles=("desk-integration",), organization="insa-lyon")
    return realm


@pytest.fixture(scope="session")
def school_realms(realm_server: RealmServer) -> tuple[Realm, Realm]:
    """One realm per school (lyon-sso, rennes-sso), each with its own keys."""
    return realm_server.add_realm("lyon-sso", audience=AUDIENCE), realm_server.add_realm("rennes-sso", audience=AUDIENCE)


@pytest.fixture
async def sso_client_for(settings: Any, engine: Any, sessions: Any,
                         realm_server: RealmServer) -> AsyncIterator[Callable[..., Any]]:
    """Build API clients whose app trusts realms of the test server: `await make("insa", **settings)`."""
    import httpx

    from groupdesk.app import create_app

    made: list[tuple[Any, httpx.AsyncClient]] = []

    async def make(realms: str, **overrides: Any) -> httpx.AsyncClient:
        configured = settings.model_copy(update={"oidc_server_url": realm_server.url, "oidc_realms": realms,
                                                 **overrides})
        app = create_app(configured, engine=engine, sessions=sessions)
        client = httpx.AsyncClient(headers=ENGLISH,
                                   transport=httpx.ASGITransport(app=app), base_url="http://groupdesk.test")
        made.append((app, client))
        return client

    yield make
    for app, client in made:
        await client.aclose()
        await app.state.runtime.verifier.aclose()
