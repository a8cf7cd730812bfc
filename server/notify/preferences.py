"""Each person's notification preferences: the kinds of mail they turned off, and their digest."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from server.db import utcnow
from server.errors import ValidationFailed
from server.notify.models import DigestPeriod, NotificationPreference
from server.notify.recipients import NotificationKind
from tenants import policy
from tenants.context import Principal
from tenants.i18n.messages import Message


@dataclass(frozen=True, slots=True)
class Preferences:
    muted_kinds: tuple[NotificationKind, ...]
    digest: DigestPeriod


DEFAULT = Preferences(muted_kinds=(), digest=DigestPeriod.NONE)


def _of(row: NotificationPreference | None) -> Preferences:
    if row is None:
        return DEFAULT
    return Preferences(tuple(NotificationKind(k) for k in row.muted_kinds
                             if k in NotificationKind._value2member_map_), row.digest)


async def preferences_of(session: AsyncSession, *, viewer: Principal) -> Preferences:
    """The caller's own preferences (everyone starts with every mail, no digest)."""
    owner = policy.notification_owner(viewer)
    return _of(await session.get(NotificationPreference, owner))


async def set_preferences(session: AsyncSession, *, actor: Principal,
                          muted_kinds: Iterable[NotificationKind | str] | None,
                          digest: DigestPeriod | str | None) -> Preferences:
    """Change the caller's own preferences; a field left out keeps its value."""
    owner = policy.notification_owner(actor)
    row = await session.get(NotificationPreference, owner)
    current = _of(row)
    muted = current.muted_kinds
    if muted_kinds is not None:
        wanted = [NotificationKind(k) for k in muted_kinds]
        if NotificationKind.DIGEST in wanted:
            raise ValidationFailed({"mutedKinds": Message("DIGEST is not a kind of notification to turn "
                                                          "off: set digest to NONE instead")})
        muted = tuple(sorted(set(wanted)))
    period = current.digest if digest is None else DigestPeriod(digest)
    if row is None:
        row = NotificationPreference(user_id=owner)
        session.add(row)
    row.muted_kinds = [k.value for k in muted]
    row.digest = period
    row.updated_at = utcnow()
    await session.flush()
    return Preferences(muted, period)
