"""Sending the mail outbox, one row at a time, at least once, with dramatiq's retry policy.

The same code runs in the embedded relay (no broker) and in the dramatiq actor. A delivery claims
its row for a lease (a crashed sender's claim lapses), sends, then marks it sent; a failure counts
an attempt and sets the next one after the policy's backoff, and the last retry keeps the row as
failed with the server's words. Rows are never deleted: what was sent, and when, stays readable.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Protocol

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.config import Settings
from server.db import utcnow, writer_session
from server.mirror.delivery import Outcome
from server.mirror.retry import RetryPolicy
from server.notify import outbox
from server.notify.mail import MailSettings, OutgoingMail, SmtpSender, render
from server.notify.models import MailOutbox

log = logging.getLogger("groupdesk.notify")


class Sender(Protocol):
    async def send(self, message: EmailMessage) -> None: ...


def mail_policy(settings: Settings) -> RetryPolicy:
    return RetryPolicy(settings.mail_max_retries, settings.mail_min_backoff_ms,
                       settings.mail_max_backoff_ms)


@dataclass
class MailDelivery:
    sessions: async_sessionmaker[AsyncSession]
    settings: MailSettings
    policy: RetryPolicy
    lease_seconds: float = 120.0
    sender: Sender | None = None
    clock: Callable[[], dt.datetime] = field(default=utcnow)
    # The relay's lane name (server.mirror.relay.Lane).
    name: str = "mail"

    @classmethod
    def for_settings(cls, settings: Settings,
                     sessions: async_sessionmaker[AsyncSession]) -> MailDelivery:
        mail = MailSettings.from_settings(settings)
        return cls(sessions, mail, mail_policy(settings), settings.mail_lease_seconds, SmtpSender(mail))

    def subscribe(self, listener: Callable[[frozenset[int]], None]) -> Callable[[], None]:
        """Hear the ids of the mails each commit wrote (the relay's lane)."""
        return outbox.subscribe(listener)

    async def due(self, session: AsyncSession, now: dt.datetime) -> list[int]:
        return await outbox.due_mails(session, now=now)

    async def deliver(self, mail_id: int) -> Outcome:
        """Send one mail if it is still due; `busy` when another delivery holds it.

        Without an SMTP host nothing is tried: mails wait in the outbox until one is configured.
        """
        if self.settings.host is None:
            return Outcome()
        now = self.clock()
        mail, attempts = await self._claim(mail_id, now)
        if mail is None:
            return Outcome(busy=attempts < 0)
        try:
            message = render(mail, self.settings)
            await (self.sender or SmtpSender(self.settings)).send(message)
        except Exception as exc:  # the relay is down, refuses, or times out: retry later
            return await self._failed(mail_id, attempts + 1, f"{type(exc).__name__}: {exc}")
        async with writer_session(self.sessions) as session:
            await session.execute(update(MailOutbox).where(MailOutbox.id == mail_id).values(
                sent_at=self.clock(), claimed_until=None, last_error=None))
        return Outcome(delivered=1)

    async def _claim(self, mail_id: int, now: dt.datetime) -> tuple[OutgoingMail | None, int]:
        """Hold the row for a lease; (None, -1) when another delivery holds it, (None, 0) when done."""
        async with writer_session(self.sessions) as session:
            claimed = await session.execute(
                update(MailOutbox)
                .where(MailOutbox.id == mail_id, *outbox.pending(),
                       or_(MailOutbox.next_attempt_at.is_(None), MailOutbox.next_attempt_at <= now),
                       or_(MailOutbox.claimed_until.is_(None), MailOutbox.claimed_until <= now))
                .values(claimed_until=now + dt.timedelta(seconds=self.lease_seconds))
                .execution_options(synchronize_session=False))
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                held = await session.scalar(select(MailOutbox.claimed_until).where(
                    MailOutbox.id == mail_id, MailOutbox.sent_at.is_(None)))
                return None, -1 if held is not None and held > now else 0
            row = (await session.execute(select(
                MailOutbox.kind, MailOutbox.address, MailOutbox.language, MailOutbox.payload,
                MailOutbox.attempts).where(MailOutbox.id == mail_id))).one()
        kind, address, language, payload, attempts = row
        return OutgoingMail(mail_id, kind, address, language, payload), attempts

    async def _failed(self, mail_id: int, failures: int, error: str) -> Outcome:
        now = self.clock()
        values: dict[str, object] = {"attempts": failures, "last_error": error[:2000],
                                     "claimed_until": None}
        gives_up = self.policy.gives_up(failures)
        delay = None if gives_up else self.policy.backoff_ms(failures)
        if gives_up:
            values["failed_at"] = now
            log.warning("mail %s given up after %s attempts: %s", mail_id, failures, error)
        else:
            assert delay is not None
            values["next_attempt_at"] = now + dt.timedelta(milliseconds=delay)
            log.info("mail %s not sent (attempt %s), retried in %s ms: %s", mail_id, failures, delay,
                     error)
        async with writer_session(self.sessions) as session:
            await session.execute(update(MailOutbox).where(MailOutbox.id == mail_id).values(**values))
        return Outcome(paused=gives_up, retry_in_ms=delay, error=error)
