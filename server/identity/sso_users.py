"""Users from SSO tokens: created on first login (keyed by issuer + subject), updated when claims change.

Most requests change nothing and only read. A first login or a changed profile is written in its own
short writer transaction (BEGIN IMMEDIATE on SQLite), never inside the GraphQL operation's session.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.db import utcnow, writer_session
from server.identity.claims import TenantClaimMode, profile_from_claims, roles_from_claims, tenant_from_claims
from server.identity.languages import language_of_locale
from server.identity.linking import ClaimTaken, link_provisioned_user
from server.identity.models import Tenant, User
from server.identity.principals import AuthenticationFailed, principal_of, require_active
from server.identity.tokens import TokenRejected, VerifiedToken
from tenants.context import Principal
from tenants.i18n.messages import Message

# Keycloak names a client's service account `service-account-<client id>`.
SERVICE_ACCOUNT_PREFIX = "service-account-"
USERNAME_MAX = 150
EMAIL_MAX = 320
# Each failed attempt means another login committed first, so a few attempts always suffice.
WRITE_ATTEMPTS = 3
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TenantRule:
    """Where tokens name the caller's school (GROUPDESK_TENANT_CLAIM, GROUPDESK_TENANT_GROUP_PREFIX)."""

    mode: TenantClaimMode = TenantClaimMode.ORGANIZATION
    group_prefix: str = "/schools/"

    def tenant_of(self, verified: VerifiedToken) -> str:
        """The tenant slug of a verified token; a realm configured for one school always wins."""
        realm = verified.realm
        mode = TenantClaimMode.REALM if realm is not None and realm.tenant else self.mode
        try:
            return tenant_from_claims(verified.claims, mode=mode, realm=realm, group_prefix=self.group_prefix)
        except TokenRejected as exc:
            # The token is genuine; its realm just does not say which school (logging in again won't help).
            raise AuthenticationFailed(exc.reason, status=403) from None


@dataclass(frozen=True)
class SsoIdentity:
    """What a verified token says about its bearer, in groupdesk terms."""

    issuer: str
    subject: str
    username: str
    email: str | None
    # Only a JSON `true` in the token's email_verified: a provider that did not check the address
    # must not let it claim an account provisioned for that address.
    email_verified: bool
    display_name: str
    role_names: list[str]
    tenant_slug: str
    technical: bool
    # When the bearer signed in (auth_time), or else when the token was issued.
    signed_in_at: dt.datetime
    # The language of the token's `locale` claim, when it names one groupdesk speaks.
    language: str | None = None


def identity_from_token(verified: VerifiedToken, rule: TenantRule) -> SsoIdentity:
    """Read the tenant, roles and profile out of a verified (non-local) token."""
    claims = verified.claims
    client_id = verified.realm.client_id if verified.realm is not None else None
    roles = roles_from_claims(claims, client_id=client_id)
    profile = profile_from_claims(claims)
    service_client = _service_account_client(claims)
    username = profile["username"] or claims["sub"]
    display_name = profile["display_name"] or username
    if service_client is not None:
        display_name = f"Service account of {service_client}"
    email = profile["email"]
    return SsoIdentity(
        issuer=verified.issuer, subject=claims["sub"], username=username[:USERNAME_MAX],
        # An address longer than the column holds is no usable address: better none than a cut one.
        email=email if email is None or len(email) <= EMAIL_MAX else None,
        email_verified=claims.get("email_verified") is True, display_name=display_name[:200],
        role_names=sorted(role.value for role in roles), tenant_slug=rule.tenant_of(verified),
        technical=service_client is not None, signed_in_at=_signed_in_at(claims),
        language=language_of_locale(claims.get("locale")),
    )


def _service_account_client(claims: dict[str, Any]) -> str | None:
    """The client id when the token is a client-credentials token of a service account."""
    username = claims.get("preferred_username")
    client = claims.get("client_id") or claims.get("clientId") or claims.get("azp")
    if isinstance(username, str) and username.startswith(SERVICE_ACCOUNT_PREFIX) and isinstance(client, str):
        return client
    return None


def _signed_in_at(claims: dict[str, Any]) -> dt.datetime:
    for name in ("auth_time", "iat"):
        value = claims.get(name)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return dt.datetime.fromtimestamp(value, dt.UTC)
    return utcnow()


async def sso_principal(sessions: async_sessionmaker[AsyncSession], identity: SsoIdentity, *,
                        reader: AsyncSession | None = None) -> Principal:
    """The Principal of an SSO bearer: the user is created or brought up to date when needed.

    `reader`, when given, is the session the user is looked up in (the request's own); a write
    then happens in a writer session of its own, after `reader`'s transaction is ended so that
    what follows in it reads what was written (SQLite keeps a transaction's snapshot)."""
    if reader is not None:
        tenant, user = await _lookup(reader, identity)
        if user is not None and not profile_changes(user, tenant, identity):
            return await principal_of(reader, user, tenant)
        await reader.rollback()
    else:
        async with sessions() as session:
            tenant, user = await _lookup(session, identity)
            if user is not None and not profile_changes(user, tenant, identity):
                return await principal_of(session, user, tenant)
    for attempt in range(WRITE_ATTEMPTS):
        try:
            return await _write(sessions, identity)
        except (IntegrityError, ClaimTaken):
            # A concurrent login inserted this identity or took the username first: each retry
            # reads what it committed, so the next attempt updates, or picks the next username.
            if attempt == WRITE_ATTEMPTS - 1:
                raise
            log.info("concurrent first login of %s, retrying", identity.username)
    raise AssertionError("unreachable")  # pragma: no cover


async def _write(sessions: async_sessionmaker[AsyncSession], identity: SsoIdentity) -> Principal:
    async with writer_session(sessions) as session:
        # Read again under the write lock: another request may have written in between.
        tenant, user = await _lookup(session, identity)
        if user is None:
            # A person SCIM or the federation file provisioned before their first login: claim that
            # user, don't make another.
            user = await link_provisioned_user(
                session, tenant_id=tenant.id, issuer=identity.issuer, subject=identity.subject,
                username=identity.username, email=identity.email if identity.email_verified else None)
            if user is not None:
                require_active(user, tenant)
        if user is None:
            user = User(issuer=identity.issuer, subject=identity.subject, active=True,
                        username=await _free_username(session, identity), **profile_changes(None, tenant, identity))
            session.add(user)
        else:
            for name, value in profile_changes(user, tenant, identity).items():
                setattr(user, name, value)
        await session.flush()
        return await principal_of(session, user, tenant)


async def _lookup(session: AsyncSession, identity: SsoIdentity) -> tuple[Tenant, User | None]:
    """The token's tenant (which must exist and be active) and the identity's user, if any."""
    user = await session.scalar(
        select(User).where(User.issuer == identity.issuer, User.subject == identity.subject))
    tenant = await session.scalar(select(Tenant).where(Tenant.slug == identity.tenant_slug))
    if tenant is None:
        raise AuthenticationFailed(Message("unknown tenant {slug}", slug=_shown(identity.tenant_slug)), status=403)
    if user is not None:
        if user.tenant_id != tenant.id:
            await _refuse_another_school(session, user, tenant)
        require_active(user, tenant)
    elif not tenant.active:
        raise AuthenticationFailed(Message("tenant {slug} is deactivated", slug=tenant.slug), status=403)
    return tenant, user


async def _refuse_another_school(session: AsyncSession, user: User, tenant: Tenant) -> None:
    """A login never moves a user between schools: the old school's grants would follow, out of its reach."""
    home = await session.get(Tenant, user.tenant_id)
    home_name = home.name if home is not None else f"tenant {user.tenant_id}"
    raise AuthenticationFailed(Message("this account belongs to {home}; a token for {school} cannot use it: "
                                       "ask a group administrator to move it", home=home_name, school=tenant.name),
                               status=403)


def profile_changes(user: User | None, tenant: Tenant, identity: SsoIdentity) -> dict[str, Any]:
    """The columns whose stored value differs from what the token says (all of them for a new user).

    Empty for most requests, which then only read: no write lock is taken.
    """
    wanted: dict[str, Any] = {
        "email": identity.email, "display_name": identity.display_name,
        "role_names": identity.role_names, "technical": identity.technical,
    }
    if user is None:
        # The tenant is set once, at creation: a later token naming another school is refused.
        return {**wanted, "tenant_id": tenant.id, "last_login_at": identity.signed_in_at,
                "language": identity.language}
    if user.scim_managed:
        # The identity provider's SCIM feed owns these; a token must not undo what it set.
        for name in ("role_names", "email", "display_name"):
            wanted.pop(name)
    elif user.roles_administered:
        # The federation file or a group administrator set the roles: a token does not undo them.
        wanted.pop("role_names")
    # A technical account stays one (the federation file may declare it), whatever the token says.
    wanted["technical"] = identity.technical or user.technical
    changed = {name: value for name, value in wanted.items() if getattr(user, name) != value}
    if user.last_login_at is None or identity.signed_in_at > user.last_login_at:
        changed["last_login_at"] = identity.signed_in_at
        # A new sign-in says which language the person reads; a choice made through the API since
        # (setMyLanguage) holds until then, so every request of one login does not undo it.
        if identity.language is not None and identity.language != user.language:
            changed["language"] = identity.language
    return changed


async def _free_username(session: AsyncSession, identity: SsoIdentity) -> str:
    """The preferred username, or a deterministic variant when another identity holds it."""
    slug = identity.tenant_slug
    digest = hashlib.sha256(f"{identity.issuer}\n{identity.subject}".encode()).hexdigest()[:8]
    candidates = [
        identity.username,
        _suffixed(identity.username, f"@{slug}"),
        _suffixed(identity.username, f"@{slug}-{digest}"),
    ]
    taken = set(await session.scalars(select(User.username).where(User.username.in_(candidates))))
    return next((name for name in candidates if name not in taken), candidates[-1])


def _shown(value: str, limit: int = 80) -> str:
    """A claim value in a message, bounded: tokens may carry anything."""
    return value if len(value) <= limit else value[:limit] + "..."


def _suffixed(username: str, suffix: str) -> str:
    return username[: USERNAME_MAX - len(suffix)] + suffix
