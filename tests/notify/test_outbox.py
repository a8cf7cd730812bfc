"""The mail outbox holds: nothing for a rolled-back change, nothing lost through an SMTP outage."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.mirror.retry import RetryPolicy
from server.notify.delivery import MailDelivery
from server.notify.mail import SmtpSender
from server.notify.models import MailOutbox, Notification
from server.notify.outbox import due_mails
from tests.notify.conftest import mail_settings, outbox_rows, send_due
from tests.notify.helpers import email_of, open_account_ticket
from tests.support.clock import SteppedClock
from tests.support.live_server import free_port
from tests.support.smtp_sink import SmtpSink
from tests.tickets.helpers import LYON_AGENT, ROUEN_EXPERT


async def _count(session: AsyncSession, model: type) -> int:
    return await session.scalar(select(func.count()).select_from(model)) or 0


async def test_a_rolled_back_change_leaves_no_mail_and_no_notification(
        session: AsyncSession, mailer: MailDelivery, sink: SmtpSink) -> None:
    mails, bells = await _count(session, MailOutbox), await _count(session, Notification)
    savepoint = await session.begin_nested()
    await open_account_ticket(session, LYON_AGENT)
    assert await _count(session, MailOutbox) > mails  # written in the change's own transaction
    await savepoint.rollback()

    assert (await _count(session, MailOutbox), await _count(session, Notification)) == (mails, bells)
    await send_due(session, mailer)
    assert sink.messages == []


async def test_a_refused_mutation_writes_no_mail(session: AsyncSession, gql) -> None:
    mails = await _count(session, MailOutbox)
    body = await gql("""mutation { openTicket(input: {subServiceId: "U3ViU2VydmljZTox", title: ""}) {
        __typename } }""", as_user=LYON_AGENT)
    assert body["openTicket"]["__typename"] in {"ValidationFailed", "NotFound"}
    assert await _count(session, MailOutbox) == mails


async def test_an_smtp_outage_retries_after_the_backoff_and_loses_nothing(
        session: AsyncSession, sessions: async_sessionmaker[AsyncSession]) -> None:
    down = SmtpSink()  # its port is chosen but nobody listens yet: connection refused
    clock = SteppedClock()
    settings = mail_settings(down.port)
    mailer = MailDelivery(sessions, settings, RetryPolicy(3, 1000, 60_000), lease_seconds=60,
                          sender=SmtpSender(settings), clock=clock)
    await open_account_ticket(session, LYON_AGENT)
    outcomes = await send_due(session, mailer)
    assert outcomes and all(o.retry_in_ms is not None and not o.paused for o in outcomes)
    rows = await outbox_rows(session)
    waiting = [r for r in rows if r.sent_at is None]
    assert waiting and all(r.attempts == 1 and r.next_attempt_at is not None for r in waiting)
    # Not due again before the backoff is over.
    assert await due_mails(session, now=clock()) == []

    down.start()
    try:
        clock.advance(120)
        await send_due(session, mailer)
        assert down.wait_for(lambda ms: len(ms) >= len(waiting), timeout=10)
        session.expire_all()
        assert all(r.sent_at is not None for r in await outbox_rows(session))
        assert len(down.to(await email_of(session, ROUEN_EXPERT))) == 1
    finally:
        down.stop()


async def test_a_mail_that_keeps_failing_is_kept_as_failed_after_its_last_retry(
        session: AsyncSession, sessions: async_sessionmaker[AsyncSession]) -> None:
    clock = SteppedClock()
    settings = mail_settings(free_port())  # nobody listens there
    mailer = MailDelivery(sessions, settings, RetryPolicy(1, 1000, 60_000), lease_seconds=60,
                          sender=SmtpSender(settings), clock=clock)
    await open_account_ticket(session, LYON_AGENT)
    await send_due(session, mailer)
    clock.advance(120)
    outcomes = await send_due(session, mailer)
    assert outcomes and all(o.paused for o in outcomes)
    session.expire_all()
    rows = await outbox_rows(session)
    assert all(r.failed_at is not None and r.attempts == 2 and r.last_error for r in rows)
    clock.advance(3600)
    assert await due_mails(session, now=clock()) == []


async def test_a_mail_already_sent_is_not_sent_again(
        session: AsyncSession, mailer: MailDelivery, sink: SmtpSink) -> None:
    await open_account_ticket(session, LYON_AGENT)
    await send_due(session, mailer)
    sent = len(sink.messages)
    again = [await mailer.deliver(r.id) for r in await outbox_rows(session)]
    assert all(o.delivered == 0 and not o.busy for o in again)
    assert len(sink.messages) == sent


async def test_a_claimed_mail_is_left_to_the_delivery_holding_it(
        session: AsyncSession, mailer: MailDelivery, sink: SmtpSink) -> None:
    await open_account_ticket(session, LYON_AGENT)
    await session.commit()
    first = (await outbox_rows(session))[0]
    mail, _ = await mailer._claim(first.id, mailer.clock())
    assert mail is not None
    outcome = await mailer.deliver(first.id)
    assert outcome.busy and sink.messages == []
