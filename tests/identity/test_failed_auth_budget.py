"""Wrong SCIM tokens and bad desk hook signatures count against the address's failed-authentication
budget, the one /graphql uses: past it, 429 with Retry-After in each door's own format."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from groupdesk.app import create_app
from server.config import Settings
from server.outages import SCIM_ERROR
from tests.mirror.conftest import SCHOOL, SECRETS, itop_desk, set_desk
from tests.mirror.test_inbound import signed
from tests.scim.conftest import scim_token_for
from tests.tickets.helpers import LYON_AGENT
from tests.support.live_server import ENGLISH

WRONG_SCIM = {"Authorization": "Bearer gd_scim_" + "w" * 40}
VIEWER = {"query": "{ viewer { user { username } } }"}
LIMIT_MESSAGE = "too many failed authentications from this address"
# A well-formed Standard Webhooks secret that is not the school's.
WRONG_SECRET = "whsec_" + "d3Jvbmctc2VjcmV0LWZvci10ZXN0cw=="
UNKNOWN_TICKET = {"type": "ticket.commented", "data": {"group_ref": "GRP-2026-999999", "message": "hi"}}


@pytest.fixture
async def client_from(settings: Settings, engine: Any,
                      sessions: Any) -> AsyncIterator[Callable[[str], httpx.AsyncClient]]:
    """Clients of one app allowing 3 failed authentications a minute per address, from any address."""
    app = create_app(settings.model_copy(update={"rate_limit_failed_auth": "3/minute"}),
                     engine=engine, sessions=sessions)

    def make(address: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(headers=ENGLISH,
                                 transport=httpx.ASGITransport(app=app, client=(address, 40000)),
                                 base_url="http://groupdesk.test")
    yield make
    await app.state.runtime.rate_limits.aclose()
    await app.state.runtime.verifier.aclose()


def assert_scim_429(response: httpx.Response) -> None:
    assert response.status_code == 429, response.text
    assert 1 <= int(response.headers["retry-after"]) <= 60
    assert response.headers["content-type"].startswith("application/scim+json")
    body = response.json()
    assert body["schemas"] == [SCIM_ERROR] and body["status"] == "429", body
    assert body["detail"].startswith(LIMIT_MESSAGE), body


async def test_wrong_scim_tokens_use_up_the_address_budget_shared_with_graphql(
        session: AsyncSession, client_from: Callable[[str], httpx.AsyncClient], token_for: Any) -> None:
    good = {"Authorization": f"Bearer {await scim_token_for(session, 'insa-lyon')}"}
    async with client_from("203.0.113.30") as attacker, client_from("203.0.113.31") as neighbour:
        statuses = [(await attacker.get("/scim/v2/Users", headers=WRONG_SCIM)).status_code for _ in range(3)]
        refused = await attacker.get("/scim/v2/Users", headers=WRONG_SCIM)
        # Blocked now, whatever it sends: a good SCIM token, or a good token on /graphql.
        blocked = await attacker.get("/scim/v2/Users", headers=good)
        graphql = await attacker.post("/graphql", json=VIEWER,
                                      headers={"Authorization": f"Bearer {token_for(LYON_AGENT)}"})
        other_bad = await neighbour.get("/scim/v2/Users", headers=WRONG_SCIM)
        other_good = await neighbour.get("/scim/v2/Users", headers=good)

    assert statuses == [401, 401, 401]
    assert_scim_429(refused)
    assert_scim_429(blocked)
    assert graphql.status_code == 429
    assert graphql.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert other_bad.status_code == 401
    assert other_good.status_code == 200 and other_good.json()["schemas"] == [
        "urn:ietf:params:scim:api:messages:2.0:ListResponse"]


async def test_scim_requests_without_a_token_are_neither_counted_nor_refused(
        session: AsyncSession, client_from: Callable[[str], httpx.AsyncClient]) -> None:
    good = {"Authorization": f"Bearer {await scim_token_for(session, 'insa-lyon')}"}
    async with client_from("203.0.113.32") as client:
        anonymous = [(await client.get("/scim/v2/Users")).status_code for _ in range(5)]
        after = await client.get("/scim/v2/Users", headers=good)

    assert anonymous == [401] * 5
    assert after.status_code == 200, after.text


async def test_bad_desk_hook_signatures_use_up_the_address_budget(
        session: AsyncSession, client_from: Callable[[str], httpx.AsyncClient],
        monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    # No desk answers there: nothing is delivered in this test, only hooks are received.
    await set_desk(session, SCHOOL, itop_desk("http://127.0.0.1:9"))
    path = f"/hooks/desks/{SCHOOL}"

    async def send(client: httpx.AsyncClient, **signing: Any) -> httpx.Response:
        body, headers = signed(UNKNOWN_TICKET, **signing)
        return await client.post(path, content=body, headers=headers)

    async with client_from("203.0.113.40") as attacker, client_from("203.0.113.41") as neighbour:
        statuses = [(await send(attacker, secret=WRONG_SECRET)).status_code for _ in range(3)]
        refused = await send(attacker, secret=WRONG_SECRET)
        blocked = await send(attacker)  # rightly signed, yet refused before its signature is read
        other_bad = await send(neighbour, secret=WRONG_SECRET)
        other_good = await send(neighbour)

    assert statuses == [401, 401, 401]
    for response in (refused, blocked):
        assert response.status_code == 429, response.text
        assert 1 <= int(response.headers["retry-after"]) <= 60
        assert response.json()["error"].startswith(LIMIT_MESSAGE)
    assert other_bad.status_code == 401
    # Past the signature: the ticket it names does not exist.
    assert other_good.status_code == 404, other_good.text
