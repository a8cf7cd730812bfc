"""The mail outbox: rows written with the change, announced to deliverers once it commits.

Deliverers (the embedded relay, the broker dispatch) `subscribe` and hear the ids of the mails a
commit wrote; a rolled-back change wrote none and announces none. `due_mails` is what a sweep
re-sends: mails whose message was lost, whose backoff is over, or that another process wrote.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable

from sqlalchemy import ColumnElement, event, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from server.notify.models import MailOutbox

log = logging.getLogger("groupdesk.notify")

_COMMITTED_KEY = "groupdesk.mail_outbox.ids"
Listener = Callable[[frozenset[int]], None]
_listeners: list[Listener] = []


def subscribe(listener: Listener) -> Callable[[], None]:
    """Call `listener(mail_ids)` after each commit that wrote mails; returns the undo."""
    _listeners.append(listener)
    return lambda: _listeners.remove(listener) if listener in _listeners else None


@event.listens_for(Session, "after_commit")
def _announce(session: Session) -> None:
    # SQLAlchemy tells after_commit of a savepoint's release too (every mutation runs in one):
    # announcing then would send the sender to look before the transaction's real commit.
    if session.in_nested_transaction():
        return
    ids = session.info.pop(_COMMITTED_KEY, None)
    if not ids:
        return
    for listener in list(_listeners):
        try:
            listener(frozenset(ids))
        except Exception:  # the commit is done; the sweep sends what a listener missed
            log.exception("mail outbox listener failed")


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint undone: what came before it still commits (an extra wake-up is harmless)
    session.info.pop(_COMMITTED_KEY, None)


def announce_after_commit(session: AsyncSession, mail_ids: Iterable[int]) -> None:
    """Have deliverers told about these mails once the transaction commits."""
    session.info.setdefault(_COMMITTED_KEY, set()).update(mail_ids)


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
