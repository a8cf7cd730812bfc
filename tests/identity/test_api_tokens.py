"""API tokens as a service: created by group admins, stored hashed, found by hash, revocable."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from server.identity.api_tokens import (
    authenticate_api_token,
    create_api_token,
    list_api_tokens,
    revoke_api_token,
)
from server.identity.models import ApiToken, ApiTokenPurpose, Tenant, User
from tenants.context import OPERATOR, Role
from tests.support.principals import principal, tenant_id

ADMIN = "valentine.orsembaud"
DESK = ApiTokenPurpose.DESK
SCIM = ApiTokenPurpose.SCIM


async def _create(session: AsyncSession, slug: str = "insa-lyon", **options) -> tuple[ApiToken, str]:
    options.setdefault("purpose", DESK)
    options.setdefault("name", "iTop production")
    return await create_api_token(session, actor=await principal(session, ADMIN),
                                  tenant_id=await tenant_id(session, slug), **options)


async def test_created_token_is_shown_once_and_only_its_hash_is_stored(session: AsyncSession) -> None:
    token, raw = await _create(session)

    assert raw.startswith("gdk_") and len(raw) >= 4 + 43
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert token.prefix == raw[:12] and raw not in (token.prefix, token.token_hash)
    assert token.created_by_id == (await principal(session, ADMIN)).user_id
    assert token.last_used_at is None and token.revoked_at is None


async def test_desk_token_acts_as_the_school_technical_account_created_once(session: AsyncSession) -> None:
    first, _ = await _create(session)
    second, _ = await _create(session, name="iTop staging")

    user = await session.get(User, first.user_id)
    assert user is not None and second.user_id == user.id
    assert (user.username, user.technical, user.roles) == ("desk.insa-lyon", True,
                                                          frozenset({Role.DESK_INTEGRATION}))
    assert user.tenant_id == await tenant_id(session, "insa-lyon")


async def test_scim_token_gets_its_own_technical_account_without_roles(session: AsyncSession) -> None:
    token, _ = await _create(session, purpose="scim", name="Entra ID")

    user = await session.get(User, token.user_id)
    assert user is not None and token.purpose is SCIM
    assert (user.username, user.technical, user.role_names) == ("scim.insa-lyon", True, [])


async def test_token_may_act_as_a_chosen_account_of_the_same_tenant(session: AsyncSession) -> None:
    connector = (await principal(session, "itop.insa-lyon")).user_id
    token, _ = await _create(session, user_id=connector)
    assert token.user_id == connector

    with pytest.raises(ValidationFailed) as caught:
        await _create(session, "insa-rennes", user_id=connector)
    assert caught.value.errors[0].field == "userId"
    assert "must belong to tenant insa-rennes" in caught.value.errors[0].message


@pytest.mark.parametrize("user", ["amandine.roclerc", "bastien.fauvrelle", "xaviere.lamboulin",
                                  "itop.insa-lyon", "celeste.morvandieu"])
async def test_only_group_admins_create_list_and_revoke(session: AsyncSession, user: str) -> None:
    actor = await principal(session, user)
    lyon = await tenant_id(session, "insa-lyon")
    existing, _ = await _create(session)
    before = await session.scalar(select(ApiToken.id).order_by(ApiToken.id.desc()).limit(1))

    with pytest.raises(PermissionDenied, match="only group administrators manage API tokens"):
        await create_api_token(session, actor=actor, tenant_id=lyon, name="x", purpose=DESK)
    with pytest.raises(PermissionDenied):
        await list_api_tokens(session, actor=actor)
    with pytest.raises(PermissionDenied):
        await revoke_api_token(session, actor=actor, token_id=existing.id)

    assert await session.scalar(select(ApiToken.id).order_by(ApiToken.id.desc()).limit(1)) == before
    assert existing.revoked_at is None


async def test_operator_at_the_command_line_may_create_without_a_creator(session: AsyncSession) -> None:
    token, raw = await create_api_token(session, actor=OPERATOR, tenant_id=await tenant_id(session, "insa-rouen"),
                                        name="cli", purpose=DESK)
    assert token.created_by_id is None
    assert await authenticate_api_token(session, raw, purpose=DESK) is token


async def test_bad_input_names_each_field(session: AsyncSession) -> None:
    with pytest.raises(ValidationFailed) as caught:
        await _create(session, name="  ", purpose="ldap")
    assert {e.field for e in caught.value.errors} == {"name", "purpose"}
    with pytest.raises(NotFound):
        await _create(session, user_id=999_999)


async def test_deactivated_tenant_gets_no_token(session: AsyncSession) -> None:
    tenant = await session.scalar(select(Tenant).where(Tenant.slug == "insa-hdf"))
    assert tenant is not None
    tenant.active = False
    with pytest.raises(ValidationFailed, match="tenantId: tenant insa-hdf is deactivated"):
        await _create(session, "insa-hdf")


async def test_username_taken_by_a_person_is_a_conflict(session: AsyncSession) -> None:
    person = await session.scalar(select(User).where(User.username == "amandine.roclerc"))
    assert person is not None
    person.username = "desk.insa-lyon"
    await session.flush()
    with pytest.raises(Conflict, match="desk.insa-lyon is taken"):
        await _create(session)


async def test_authentication_finds_the_live_token_of_the_right_purpose(session: AsyncSession) -> None:
    token, raw = await _create(session)

    assert await authenticate_api_token(session, raw, purpose=DESK) is token
    assert await authenticate_api_token(session, raw, purpose=SCIM) is None
    assert await authenticate_api_token(session, raw + "x", purpose=DESK) is None
    assert await authenticate_api_token(session, "gdk_" + "a" * 43, purpose=DESK) is None
    assert await authenticate_api_token(session, "eyJhbGciOi.x.y", purpose=DESK) is None


async def test_revoked_token_no_longer_authenticates_and_revoking_again_changes_nothing(
        session: AsyncSession) -> None:
    token, raw = await _create(session)
    admin = await principal(session, ADMIN)

    revoked = await revoke_api_token(session, actor=admin, token_id=token.id)
    when = revoked.revoked_at
    again = await revoke_api_token(session, actor=admin, token_id=token.id)

    assert when is not None and again.revoked_at == when
    assert await authenticate_api_token(session, raw, purpose=DESK) is None
    with pytest.raises(NotFound, match="API token 999999 not found"):
        await revoke_api_token(session, actor=admin, token_id=999_999)


async def test_last_use_is_recorded_at_most_once_a_minute(session: AsyncSession) -> None:
    token, raw = await _create(session)

    await authenticate_api_token(session, raw, purpose=DESK)
    first = token.last_used_at
    assert first is not None
    await authenticate_api_token(session, raw, purpose=DESK)
    assert token.last_used_at == first

    token.last_used_at = first - dt.timedelta(seconds=61)
    await authenticate_api_token(session, raw, purpose=DESK)
    assert token.last_used_at > first


async def test_listing_shows_every_token_or_one_tenant(session: AsyncSession) -> None:
    lyon, _ = await _create(session)
    rennes, _ = await _create(session, "insa-rennes", name="GLPI")
    revoked, _ = await _create(session, name="old")
    admin = await principal(session, ADMIN)
    await revoke_api_token(session, actor=admin, token_id=revoked.id)

    everything = await list_api_tokens(session, actor=admin)
    only_lyon = await list_api_tokens(session, actor=admin, tenant_id=lyon.tenant_id)

    assert [t.id for t in everything][-3:] == [lyon.id, rennes.id, revoked.id]
    assert {t.tenant_id for t in only_lyon} == {lyon.tenant_id}
    assert revoked in only_lyon and rennes not in only_lyon
