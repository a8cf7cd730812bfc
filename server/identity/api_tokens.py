"""Long-lived API tokens for technical accounts: shown once, stored hashed, revocable, listed.

A raw token is `gdk_` followed by 43 url-safe characters (32 random bytes). Only its SHA-256 is
stored: a hash lookup needs no constant-time comparison, and a leaked table grants nothing.
Never log a raw token.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.audit.record import record
from server.db import utcnow
from server.errors import Conflict, NotFound, PermissionDenied
from server.identity.models import ApiToken, ApiTokenPurpose, Tenant, User
from server.validation import Checks
from tenants import policy
from tenants.context import Operator, Principal, Role
from tenants.i18n.messages import Message

TOKEN_PREFIX = "gdk_"
# What a listing shows of the secret: the marker and 8 random characters.
SHOWN_PREFIX_LENGTH = len(TOKEN_PREFIX) + 8
NAME_MAX = 100
# last_used_at is refreshed at most this often, so a busy desk does not write on every call.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)
# A token far longer than ours is not one: refuse it before hashing.
MAX_RAW_LENGTH = 200
# The issuer recorded on technical users that exist only through API tokens (no SSO identity).
API_TOKEN_ISSUER = "urn:groupdesk:api-token"

_TECHNICAL_ROLES: dict[ApiTokenPurpose, list[str]] = {
    ApiTokenPurpose.DESK: [Role.DESK_INTEGRATION.value],
    ApiTokenPurpose.SCIM: [],
}
_TECHNICAL_NAMES = {ApiTokenPurpose.DESK: "Desk integration", ApiTokenPurpose.SCIM: "SCIM provisioning"}

Actor = Principal | Operator


def hash_token(raw: str) -> str:
    """The stored form of a raw token: SHA-256, hex."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def looks_like_api_token(raw: str) -> bool:
    """API tokens are told apart from JWTs by their marker, without parsing anything."""
    return raw.startswith(TOKEN_PREFIX)


def _require_manager(actor: Actor) -> None:
    if not policy.may_manage_api_tokens(actor):
        raise PermissionDenied(Message("only group administrators manage API tokens"))


def _creator_id(actor: Actor) -> int | None:
    return actor.user_id if isinstance(actor, Principal) else None


async def technical_user(session: AsyncSession, tenant: Tenant, purpose: ApiTokenPurpose) -> User:
    """The tenant's technical user for `purpose` (`desk.insa-lyon`), created on first need."""
    username = f"{purpose.value.lower()}.{tenant.slug}"
    user = await session.scalar(select(User).where(User.username == username))
    if user is None:
        user = User(tenant_id=tenant.id, issuer=API_TOKEN_ISSUER, subject=username, username=username,
                    email=None, display_name=f"{_TECHNICAL_NAMES[purpose]} ({tenant.name})",
                    role_names=list(_TECHNICAL_ROLES[purpose]), active=True, technical=True)
        session.add(user)
        await session.flush()
        return user
    if user.tenant_id != tenant.id or not user.technical:
        raise Conflict(Message("username {username} is taken by an account that is not {slug}'s "
                               "technical account; pass userId to choose the account", username=username,
                               slug=tenant.slug))
    if not user.active:
        raise Conflict(Message("technical account {username} is deactivated", username=username))
    return user


async def _acting_user(session: AsyncSession, tenant: Tenant, user_id: int) -> User:
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound("user", user_id)
    checks = Checks()
    if user.tenant_id != tenant.id:
        checks.add("userId", Message("the account must belong to tenant {slug}", slug=tenant.slug))
    elif not user.technical:
        # A long-lived secret acting as a person would let anyone holding it write in their name.
        checks.add("userId", Message("{username} is a person, not a technical account: API tokens act "
                                     "as a school's technical account only (leave userId out to use "
                                     "{slug}'s)", username=user.username, slug=tenant.slug))
    elif not user.active:
        checks.add("userId", Message("user {username} is deactivated", username=user.username))
    checks.done()
    return user


async def create_api_token(
    session: AsyncSession,
    *,
    actor: Actor,
    tenant_id: int,
    name: str,
    purpose: ApiTokenPurpose | str,
    user_id: int | None = None,
) -> tuple[ApiToken, str]:
    """Create a token acting as `user_id` (default: the tenant's technical user for `purpose`).

    Returns the stored token and the raw secret, which exists nowhere else: show it once.
    """
    _require_manager(actor)
    tenant = await session.get(Tenant, tenant_id)
    if tenant is None:
        raise NotFound("tenant", tenant_id)
    checks = Checks()
    checks.text("name", name, max_len=NAME_MAX)
    try:
        purpose = ApiTokenPurpose(str(purpose).upper())
    except ValueError:
        checks.add("purpose", Message("must be one of {values}", values=", ".join(p.value for p in ApiTokenPurpose)))
    if not tenant.active:
        checks.add("tenantId", Message("tenant {slug} is deactivated", slug=tenant.slug))
    checks.done()
    assert isinstance(purpose, ApiTokenPurpose)
    if user_id is None:
        user = await technical_user(session, tenant, purpose)
    else:
        user = await _acting_user(session, tenant, user_id)
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(tenant_id=tenant.id, user_id=user.id, name=name.strip(), purpose=purpose,
                     token_hash=hash_token(raw), prefix=raw[:SHOWN_PREFIX_LENGTH],
                     created_by_id=_creator_id(actor), created_at=utcnow())
    session.add(token)
    await session.flush()
    await record(session, actor=actor, action="api_token.created", target_kind="api_token",
                 target_id=token.id, tenant_id=tenant.id,
                 changes={"name": token.name, "purpose": purpose.value, "account": user.username,
                          "prefix": token.prefix})
    return token, raw


async def authenticate_api_token(
    session: AsyncSession, raw: str, *, purpose: ApiTokenPurpose
) -> ApiToken | None:
    """The live token for `raw` and `purpose`, or None (unknown, revoked or for another purpose).

    Records the use at most once per LAST_USED_RESOLUTION: the caller's session must be a writer.
    """
    if not looks_like_api_token(raw) or len(raw) > MAX_RAW_LENGTH:
        return None
    token = await session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(raw)))
    if token is None or token.revoked or token.purpose is not purpose:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        token.last_used_at = now
        await session.flush()
    return token


async def revoke_api_token(session: AsyncSession, *, actor: Actor, token_id: int) -> ApiToken:
    """Revoke a token at once; revoking it again changes nothing."""
    _require_manager(actor)
    token = await session.get(ApiToken, token_id)
    if token is None:
        raise NotFound("API token", token_id)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        await session.flush()
        await record(session, actor=actor, action="api_token.revoked", target_kind="api_token",
                     target_id=token.id, tenant_id=token.tenant_id,
                     changes={"name": token.name, "prefix": token.prefix})
    return token


async def list_api_tokens(
    session: AsyncSession, *, actor: Actor, tenant_id: int | None = None
) -> list[ApiToken]:
    """Every token (revoked ones too, for the record), oldest first, optionally of one tenant."""
    _require_manager(actor)
    stmt = select(ApiToken).order_by(ApiToken.created_at, ApiToken.id)
    if tenant_id is not None:
        stmt = stmt.where(ApiToken.tenant_id == tenant_id)
    return list(await session.scalars(stmt))


async def wrong_purpose(session: AsyncSession, raw: str, *, expected: ApiTokenPurpose) -> Message | None:
    """Why a live token of another purpose is refused here, in its holder's terms; None otherwise.

    Unknown and revoked tokens keep one message, so a guesser learns nothing about which is which.
    """
    if not looks_like_api_token(raw) or len(raw) > MAX_RAW_LENGTH:
        return None
    token = await session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(raw)))
    if token is None or token.revoked or token.purpose is expected:
        return None
    if token.purpose is ApiTokenPurpose.SCIM:
        return Message("this is a SCIM token: it provisions users and groups on /scim/v2 only; /graphql takes "
                       "a desk API token (groupdesk api-token create --purpose desk) or a user's SSO token")
    return Message("this is a desk API token: it calls /graphql and the desk hooks only; /scim/v2 takes a SCIM "
                   "token (groupdesk api-token create --purpose scim)")
