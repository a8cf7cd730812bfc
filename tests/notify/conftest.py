"""A real SMTP server on loopback and a mail delivery pointed at it, on the test's transaction."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.mirror.retry import RetryPolicy
from server.notify.delivery import MailDelivery
from server.notify.mail import MailSettings, SmtpSender
from server.notify.models import MailOutbox
from server.notify.outbox import due_mails
from tests.support.clock import SteppedClock
from tests.support.smtp_sink import SmtpSink

SENDER = "groupdesk <notifications@groupdesk.example.org>"
PUBLIC_URL = "https://groupdesk.example.org"


@pytest.fixture(scope="session")
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
def sink(smtp_sink: SmtpSink) -> SmtpSink:
    """The session's SMTP server, emptied for this test."""
    with smtp_sink.lock:
        smtp_sink.messages.clear()
        smtp_sink.envelopes.clear()
    return smtp_sink


def mail_settings(port: int) -> MailSettings:
    return MailSettings(host="127.0.0.1", port=port, tls="none", timeout=5.0, sender=SENDER,
                        public_url=PUBLIC_URL)


@pytest.fixture
def clock() -> SteppedClock:
    return SteppedClock()


@pytest.fixture
def mailer(sink: SmtpSink, sessions: async_sessionmaker[AsyncSession], clock: SteppedClock) -> MailDelivery:
    settings = mail_settings(sink.port)
    return MailDelivery(sessions, settings, RetryPolicy(3, 1000, 60_000), lease_seconds=60,
                        sender=SmtpSender(settings), clock=clock)


async def send_due(session: AsyncSession, mailer: MailDelivery) -> list[Any]:
    """Deliver every mail due now, as the relay's sweep does; the outcomes."""
    await session.commit()
    ids = await due_mails(session, now=mailer.clock())
    return [await mailer.deliver(i) for i in ids]


async def outbox_rows(session: AsyncSession) -> list[MailOutbox]:
    return list(await session.scalars(select(MailOutbox).order_by(MailOutbox.id)))
