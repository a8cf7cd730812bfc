"""Digests: one mail per period gathering a person's held notification mails.

A person who chose a digest has their mails written `held` (server.notify.follow). The scheduler's
tick calls `gather_digests`: for each person whose oldest held mail is a period old, one DIGEST row
takes the held rows' snapshots, and they are marked sent with the digest's id, in one transaction,
so a crash sends them either in the digest or not yet, never lost, never twice. A person who turned
the digest off has what was held gathered at the next tick.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.notify import outbox
from server.notify.models import DIGEST_SECONDS, DigestPeriod, MailOutbox, NotificationPreference
from server.notify.recipients import NotificationKind

ITEM_KEYS = ("ref", "title", "actor", "assignee", "state", "level", "message")


async def _due_people(session: AsyncSession, now: dt.datetime) -> list[int]:
    oldest = (await session.execute(
        select(MailOutbox.user_id, func.min(MailOutbox.created_at), NotificationPreference.digest)
        .outerjoin(NotificationPreference, NotificationPreference.user_id == MailOutbox.user_id)
        .where(MailOutbox.held.is_(True), MailOutbox.sent_at.is_(None), MailOutbox.user_id.is_not(None))
        .group_by(MailOutbox.user_id, NotificationPreference.digest))).all()
    due: list[int] = []
    for user_id, first, period in oldest:
        wait = DIGEST_SECONDS.get(period or DigestPeriod.NONE, 0)
        if user_id is not None and first + dt.timedelta(seconds=wait) <= now:
            due.append(user_id)
    return sorted(due)


async def gather_digests(session: AsyncSession, *, now: dt.datetime) -> list[int]:
    """Write the digests that are due; returns their mail ids (announced after commit)."""
    people = await _due_people(session, now)
    if not people:
        return []
    held = list(await session.scalars(
        select(MailOutbox).where(MailOutbox.user_id.in_(people), MailOutbox.held.is_(True),
                                 MailOutbox.sent_at.is_(None)).order_by(MailOutbox.id)))
    by_person: dict[int, list[MailOutbox]] = defaultdict(list)
    for row in held:
        assert row.user_id is not None
        by_person[row.user_id].append(row)
    digests = []
    for user_id, rows in sorted(by_person.items()):
        latest = rows[-1]
        items: list[dict[str, Any]] = [
            {"kind": r.kind, **{k: r.payload.get(k) for k in ITEM_KEYS}} for r in rows]
        digest = MailOutbox(user_id=user_id, ticket_id=None, kind=NotificationKind.DIGEST.value,
                            address=latest.address, language=latest.language,
                            payload={"name": latest.payload.get("name"), "items": items},
                            held=False, attempts=0, created_at=now)
        session.add(digest)
        await session.flush()
        await session.execute(update(MailOutbox).where(MailOutbox.id.in_([r.id for r in rows]))
                              .values(sent_at=now, digest_id=digest.id)
                              .execution_options(synchronize_session=False))
        digests.append(digest.id)
    outbox.announce_after_commit(session, digests)
    return digests
