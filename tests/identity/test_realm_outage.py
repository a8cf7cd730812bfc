"""A realm that does not answer (nothing listens where Keycloak should be): 503 to retry, not a 403."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from server.app import create_app
from tests.support.realm import Realm


@pytest.fixture
async def dead_realm_client(settings: Any, engine: Any, sessions: Any,
                            fresh_realm: Realm) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    dead_url = f"http://127.0.0.1:{closed_port}/"
    configured = settings.model_copy(update={"oidc_server_url": dead_url, "oidc_realms": fresh_realm.name})
    app = create_app(configured, engine=engine, sessions=sessions)
    # A well-formed token of that realm, as its users hold them while Keycloak is down.
    token = fresh_realm.mint({"iss": f"{dead_url}realms/{fresh_realm.name}", "sub": "someone"})
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://groupdesk.test") as client:
        yield client, token
    await app.state.runtime.verifier.aclose()


async def test_unreachable_realm_answers_503_service_unavailable_not_forbidden(
        dead_realm_client: tuple[httpx.AsyncClient, str]) -> None:
    client, token = dead_realm_client

    response = await client.post("/graphql", json={"query": "{ bricks { code } }"},
                                 headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == "5"
    assert "invalid_token" not in response.headers.get("www-authenticate", "")
    assert response.json() == {"errors": [{"message": "the identity provider is unavailable, retry later",
                                           "extensions": {"code": "SERVICE_UNAVAILABLE"}}]}
