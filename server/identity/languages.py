"""The language a person reads: chosen by themselves (setMyLanguage) or by their identity provider.

`user_account.language` NULL follows the school's language (tenants.i18n.language_of). A login
whose token carries the OIDC `locale` claim (Keycloak's user locale: `fr`, `en-GB`...) sets it;
a later choice through the API holds until the next login that says otherwise.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from server.errors import PermissionDenied, ValidationFailed
from server.identity.models import User
from tenants import policy
from tenants.context import Principal
from tenants.i18n import LANGUAGES
from tenants.i18n.messages import Message


def language_of_locale(locale: object) -> str | None:
    """The language groupdesk speaks that an OIDC `locale` claim names (`fr-FR` is fr), or None."""
    if not isinstance(locale, str):
        return None
    primary = locale.strip().replace("_", "-").split("-")[0].lower()
    return primary if primary in LANGUAGES else None


def language_shown(viewer: Principal, *, user_id: int, language: str | None) -> str | None:
    """A person's chosen language as `viewer` may see it: theirs, and group administrators'."""
    return language if policy.may_see_language(viewer, user_id) else None


async def choose_language(session: AsyncSession, *, actor: Principal, language: str | None) -> User:
    """The caller's own language; None follows their school's. Nobody chooses for someone else."""
    if not policy.may_choose_language(actor):
        raise PermissionDenied(Message("a technical account does not choose a language: send "
                                       "Accept-Language with its requests"))
    if language is not None and language not in LANGUAGES:
        raise ValidationFailed({"language": Message("must be one of {values}, or null to read the school's",
                                                    values=", ".join(LANGUAGES))})
    user = await session.get(User, actor.user_id)
    assert user is not None  # the principal was built from it
    user.language = language
    await session.flush()
    return user
