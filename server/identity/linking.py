"""Provisioned users and SSO: the first login of a person SCIM or the federation file made finds that user.

SCIM creates a user before the person ever logs in, so groupdesk does not know their SSO identity
yet: the user gets a placeholder issuer (`urn:groupdesk:scim:<tenant slug>`) and a random subject.
The federation file does the same for a person it declares without an SSO identity (issuer
`urn:groupdesk:local`, the username as subject). At the first SSO login, when no user has the
token's (issuer, subject), the login calls `link_provisioned_user`, which finds the unclaimed user of
the token's tenant by username (SCIM `userName` or the file's `username` = the token's
`preferred_username`) or else by e-mail, and records the real (issuer, subject) on it: every later
login finds the user directly, with the designations, tickets and queue the account already had. The
e-mail is used only when the token says `email_verified: true` (the caller passes None otherwise): an
address the provider did not check must not claim someone's account. Technical accounts are never
claimed by a login.

Two first logins at once claim one account once: the claim is a conditional UPDATE (still unclaimed),
and the login that loses the race gets `ClaimTaken` and reads the account the winner claimed.
"""

from __future__ import annotations

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.identity.models import User
from tenants.context import Provisioner
from tenants.federation.specs import LOCAL_ISSUER

PLACEHOLDER_ISSUER_PREFIX = "urn:groupdesk:scim:"


class ClaimTaken(Exception):
    """Another login claimed the account between our read and our write: read again."""


def placeholder_issuer(actor: Provisioner) -> str:
    """The issuer of a user SCIM created and no SSO login has claimed yet."""
    return PLACEHOLDER_ISSUER_PREFIX + actor.tenant_slug


def is_placeholder_issuer(issuer: str) -> bool:
    return issuer.startswith(PLACEHOLDER_ISSUER_PREFIX) or issuer == LOCAL_ISSUER


async def link_provisioned_user(session: AsyncSession, *, tenant_id: int, issuer: str, subject: str,
                                username: str | None, email: str | None) -> User | None:
    """The unclaimed provisioned user this SSO identity is, now carrying (issuer, subject); or None.

    Call it only when no user has (issuer, subject). It matches users of `tenant_id` that SCIM
    or the federation file created and no login has claimed, not deleted by SCIM: by username first (ignoring case), then
    by e-mail when exactly one such user has it. The caller still checks `active` (a user SCIM
    disabled is linked but refused, as any deactivated user). It flushes, never commits.
    """
    keys = [k.strip().lower() for k in (username, email) if k and k.strip()]
    if not keys:
        return None
    candidates = list(await session.scalars(select(User).where(
        User.tenant_id == tenant_id,
        or_(User.issuer.startswith(PLACEHOLDER_ISSUER_PREFIX, autoescape=True), User.issuer == LOCAL_ISSUER),
        User.scim_deleted_at.is_(None), User.technical.is_(False),
        or_(func.lower(User.username).in_(keys), func.lower(User.email).in_(keys)),
    ).order_by(User.id)))
    chosen = None
    if username and username.strip():
        wanted = username.strip().lower()
        chosen = next((u for u in candidates if u.username.lower() == wanted), None)
    if chosen is None and email and email.strip():
        wanted = email.strip().lower()
        by_email = [u for u in candidates if (u.email or "").lower() == wanted]
        chosen = by_email[0] if len(by_email) == 1 else None
    if chosen is None:
        return None
    claimed = await session.execute(
        update(User).where(User.id == chosen.id, User.issuer == chosen.issuer, User.subject == chosen.subject)
        .values(issuer=issuer, subject=subject).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise ClaimTaken(chosen.username)
    await session.refresh(chosen)
    return chosen
