"""The mail outbox: rows written with the change, announced to deliverers once it commits.

Deliverers (the embedded relay, the broker dispatch) `subscribe` and hear the ids of the mails a
commit wrote; a rolled-back change wrote none and announces none. `due_mails` is what a sweep
re-sends: mails whose message was lost, whose backoff is over, or that another process wrote.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import CommitAnnouncer
from server.notify.models import MailOutbox

log = logging.getLogger("groupdesk.notify")

# Deliverers hear the ids of the mails a commit wrote (server.db.CommitAnnouncer).
COMMITTED = CommitAnnouncer("groupdesk.mail_outbox.ids", log)
subscribe = COMMITTED.subscribe


def announce_after_commit(session: AsyncSession, mail_ids: Iterable[int]) -> None:
    """Have deliverers told about these mails once the transaction commits."""
    COMMITTED.note(session, mail_ids)


def pending() -> tuple[ColumnElement[bool], ...]:
    """Every mail row that still waits to be sent: unsent, not given up, not held for a digest."""
    return (MailOutbox.sent_at.is_(None), MailOutbox.failed_at.is_(None), MailOutbox.held.is_(False))


async def due_mails(session: AsyncSession, *, now: dt.datetime, limit: int = 500,
                    older_than: dt.datetime | None = None) -> list[int]:
    """Mails to send now: pending, past their backoff, not claimed by a running delivery."""
    stmt = (select(MailOutbox.id)
            .where(*pending(),
                   or_(MailOutbox.next_attempt_at.is_(None), MailOutbox.next_attempt_at <= now),
                   or_(MailOutbox.claimed_until.is_(None), MailOutbox.claimed_until <= now))
            .order_by(MailOutbox.id).limit(limit))
    if older_than is not None:
        stmt = stmt.where(MailOutbox.created_at <= older_than)
    return list(await session.scalars(stmt))
