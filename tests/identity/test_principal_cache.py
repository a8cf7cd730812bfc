"""A token's principal is read once and reused; a deactivation committed here takes effect at once."""

from __future__ import annotations

from sqlalchemy import select

from server.identity.models import User
from server.identity.principal_cache import PrincipalCache
from tests.tickets.helpers import LYON_AGENT
from tests.tickets.test_statement_count import counting

VIEWER = "{ viewer { user { username } } }"


async def _ask(client, token: str):
    return await client.post("/graphql", json={"query": VIEWER},
                             headers={"Authorization": f"Bearer {token}"})


async def test_a_known_token_is_not_read_again_until_its_user_is_deactivated(
        client, token_for, engine, session) -> None:
    token = token_for(LYON_AGENT)
    assert (await _ask(client, token)).status_code == 200
    with counting(engine) as statements:
        again = await _ask(client, token)
    assert again.json()["data"]["viewer"]["user"]["username"] == LYON_AGENT
    # Authentication looks the token's user up by username: not this time.
    assert not [s for s in statements if "user_account.username =" in s], statements

    user = await session.scalar(select(User).where(User.username == LYON_AGENT))
    assert user is not None
    user.active = False
    await session.commit()  # the ORM sees the user deactivated: every cache is emptied
    refused = await _ask(client, token)
    assert refused.status_code == 403, refused.text


def test_an_entry_lives_until_the_token_expires_and_never_beyond_the_max_age() -> None:
    now = [1000.0]
    cache: PrincipalCache[str] = PrincipalCache(60, clock=lambda: now[0])
    cache.put("short", "a", expires_at=1010.0)
    cache.put("long", "b", expires_at=None)
    now[0] = 1009.0
    assert (cache.get("short"), cache.get("long")) == ("a", "b")
    now[0] = 1010.0
    assert cache.get("short") is None and cache.get("long") == "b"
    now[0] = 1060.0
    assert cache.get("long") is None
    off: PrincipalCache[str] = PrincipalCache(0)
    off.put("t", "c", expires_at=None)
    assert off.get("t") is None


async def test_an_api_token_is_read_once_a_minute_and_refused_at_once_when_revoked(
        client, engine, session) -> None:
    from server.identity.api_tokens import create_api_token, revoke_api_token
    from tests.support.principals import principal, tenant_id

    admin = await principal(session, "valentine.orsembaud")
    token, raw = await create_api_token(session, actor=admin, tenant_id=await tenant_id(session, "insa-lyon"),
                                        purpose="desk", name="iTop production")
    await session.commit()
    with counting(engine) as first:
        assert (await _ask(client, raw)).json()["data"]["viewer"]["user"]["username"] == "desk.insa-lyon"
    with counting(engine) as again:
        assert (await _ask(client, raw)).json()["data"]["viewer"]["user"]["username"] == "desk.insa-lyon"
    # The token is looked up by its hash the first time (its use recorded), not the second.
    assert [s for s in first if "api_token.token_hash =" in s]
    assert not [s for s in again if "api_token" in s], again

    await revoke_api_token(session, actor=admin, token_id=token.id)
    await session.commit()  # the ORM sees the token revoked: every cache is emptied
    refused = await _ask(client, raw)
    assert refused.status_code == 401, refused.text
