"""A realm that does not answer (nothing listens where Keycloak should be): 503 to retry, not a 403."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from groupdesk.app import create_app
from server.identity.tokens import RealmConfig, TokenRejected, TokenVerifier
from tests.support.clock import ManualClock
from tests.support.realm import Realm, RealmServer
from tests.support.realm_fixtures import AUDIENCE
from tests.support.tcp_proxy import TcpProxy
from tests.support.live_server import ENGLISH


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
    async with httpx.AsyncClient(headers=ENGLISH, transport=httpx.ASGITransport(app=app),
                                 base_url="http://groupdesk.test") as client:
        yield client, token
    await app.state.runtime.verifier.aclose()


async def test_unreachable_realm_answers_503_service_unavailable_not_forbidden(
        dead_realm_client: tuple[httpx.AsyncClient, str]) -> None:
    client, token = dead_realm_client

    response = await client.post("/graphql", json={"query": "{ bricks { code } }"},
                                 headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 503, response.text
    # Retry when the keys may be fetched again (GROUPDESK_OIDC_JWKS_RETRY_SECONDS, rounded up).
    assert int(response.headers["retry-after"]) >= 1
    assert "invalid_token" not in response.headers.get("www-authenticate", "")
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert error["message"].startswith("signing keys of realm ") and error["message"].endswith(
        " are unavailable")


async def test_while_the_realm_is_down_known_keys_still_verify_and_a_new_kid_is_a_503(
        realm_server: RealmServer, fresh_realm: Realm) -> None:
    target = urlsplit(realm_server.url)
    proxy = TcpProxy(target.hostname or "127.0.0.1", target.port or 80)
    await proxy.up()
    config = RealmConfig(server_url=f"http://127.0.0.1:{proxy.port}/", realm=fresh_realm.name,
                         audience=AUDIENCE)
    clock = ManualClock()
    verifier = TokenVerifier([config], min_refetch_interval=0.01, clock=clock)
    try:
        known = fresh_realm.mint({"iss": config.issuer, "sub": "known"})
        assert (await verifier.verify(known)).claims["sub"] == "known"
        await proxy.down()
        fresh_realm.rotate_keys()
        rotated = fresh_realm.mint({"iss": config.issuer, "sub": "rotated"})

        # Cached keys need no realm; a kid the cache lacks cannot be judged while it is down.
        assert (await verifier.verify(known)).claims["sub"] == "known"
        clock.advance(1)  # past the refetch interval: the unknown kid makes the verifier try the realm
        with pytest.raises(TokenRejected) as rejected:
            await verifier.verify(rotated)
        assert rejected.value.status == 503

        await proxy.up()
        clock.advance(60)  # past the retry delay after a failed fetch: the next look-up refetches
        assert (await verifier.verify(rotated)).claims["sub"] == "rotated"
    finally:
        await verifier.aclose()
        await proxy.down()
