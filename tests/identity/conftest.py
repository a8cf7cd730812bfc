"""Fixtures for identity tests: one realm server per session, verifiers closed after each test."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from server.identity.tokens import RealmConfig, TokenVerifier
from tests.support.realm import Realm, RealmServer

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
