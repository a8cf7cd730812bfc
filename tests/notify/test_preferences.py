"""Preferences: a kind of mail turned off sends none (the bell still rings); a digest gathers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import utcnow
from server.notify.delivery import MailDelivery
from server.notify.digest import gather_digests
from server.notify.models import MailOutbox, Notification
from tests.notify.conftest import send_due
from tests.notify.helpers import act, email_of, open_account_ticket, text_of
from tests.support.smtp_sink import SmtpSink
from tests.tickets.helpers import LYON_AGENT, ROUEN_EXPERT, user_id

PREFS = "mutation($input: SetNotificationPreferencesInput!) { setNotificationPreferences(input: $input) { " \
        "__typename ... on NotificationPreferences { mutedKinds digest } " \
        "... on ValidationFailed { fields { field message } } } }"


async def test_preferences_start_with_every_mail_and_no_digest(gql: Any) -> None:
    data = await gql("{ notificationPreferences { mutedKinds digest } }", as_user=LYON_AGENT)
    assert data["notificationPreferences"] == {"mutedKinds": [], "digest": "NONE"}


async def test_a_kind_turned_off_sends_no_mail_but_keeps_the_bell(
        session: AsyncSession, gql: Any, mailer: MailDelivery, sink: SmtpSink) -> None:
    data = await gql(PREFS, {"input": {"mutedKinds": ["ASSIGNED"]}}, as_user=ROUEN_EXPERT)
    assert data["setNotificationPreferences"] == {"__typename": "NotificationPreferences",
                                                  "mutedKinds": ["ASSIGNED"], "digest": "NONE"}
    ticket = await open_account_ticket(session, LYON_AGENT)
    await send_due(session, mailer)
    assert sink.to(await email_of(session, ROUEN_EXPERT)) == []
    assert len(sink.to(await email_of(session, LYON_AGENT))) == 1  # others still get theirs
    bell = await session.scalar(select(Notification.kind).where(
        Notification.user_id == await user_id(session, ROUEN_EXPERT), Notification.ticket_id == ticket.id))
    assert bell == "ASSIGNED"

    # Turned on again (an empty list), the next one is mailed.
    await gql(PREFS, {"input": {"mutedKinds": []}}, as_user=ROUEN_EXPERT)
    await act(session, ROUEN_EXPERT, ticket, "START")
    await act(session, ROUEN_EXPERT, ticket, "RESOLVE", solution="Compte créé")
    await act(session, LYON_AGENT, ticket, "REOPEN", reason="Toujours refusé")
    await send_due(session, mailer)
    assert [m["X-Groupdesk-Kind"] for m in sink.to(await email_of(session, ROUEN_EXPERT))] == ["REOPENED"]


async def test_the_digest_cannot_be_muted_and_a_refusal_changes_nothing(gql: Any) -> None:
    data = await gql(PREFS, {"input": {"mutedKinds": ["DIGEST", "COMMENT"], "digest": "DAILY"}},
                     as_user=LYON_AGENT)
    assert data["setNotificationPreferences"]["__typename"] == "ValidationFailed"
    assert data["setNotificationPreferences"]["fields"][0]["field"] == "mutedKinds"
    data = await gql("{ notificationPreferences { mutedKinds digest } }", as_user=LYON_AGENT)
    assert data["notificationPreferences"] == {"mutedKinds": [], "digest": "NONE"}


async def test_a_daily_digest_gathers_the_days_mails_into_one(
        session: AsyncSession, gql: Any, mailer: MailDelivery, sink: SmtpSink) -> None:
    await gql(PREFS, {"input": {"digest": "DAILY"}}, as_user=LYON_AGENT)
    first = await open_account_ticket(session, LYON_AGENT)
    await act(session, ROUEN_EXPERT, first, "START")
    await act(session, ROUEN_EXPERT, first, "HOLD", reason="Quelle plateforme ?")
    second = await open_account_ticket(session, LYON_AGENT)
    await send_due(session, mailer)
    agent = await email_of(session, LYON_AGENT)
    assert sink.to(agent) == []  # held for the digest; the expert's mails went out
    assert sink.to(await email_of(session, ROUEN_EXPERT))

    # Not before the day is over.
    assert await gather_digests(session, now=mailer.clock()) == []
    written = await gather_digests(session, now=mailer.clock() + dt.timedelta(days=1, seconds=1))
    assert len(written) == 1
    await send_due(session, mailer)
    mails = sink.to(agent)
    assert len(mails) == 1 and mails[0]["X-Groupdesk-Kind"] == "DIGEST"
    text = text_of(mails[0])
    assert "3 notification(s)" in text
    assert text.count(f"* {first.ref}") == 2 and text.count(f"* {second.ref}") == 1
    assert "attend une réponse" in text and "Quelle plateforme" not in text  # headlines only
    # Gathered rows name their digest and are never sent on their own.
    held = list(await session.scalars(select(MailOutbox).where(MailOutbox.held.is_(True))))
    assert held and all(r.digest_id == written[0] and r.sent_at is not None for r in held)
    assert await gather_digests(session, now=mailer.clock() + dt.timedelta(days=3)) == []


async def test_turning_the_digest_off_sends_what_was_held_at_the_next_tick(
        session: AsyncSession, gql: Any, mailer: MailDelivery, sink: SmtpSink) -> None:
    await gql(PREFS, {"input": {"digest": "HOURLY"}}, as_user=LYON_AGENT)
    await open_account_ticket(session, LYON_AGENT)
    await send_due(session, mailer)
    assert sink.to(await email_of(session, LYON_AGENT)) == []
    await gql(PREFS, {"input": {"digest": "NONE"}}, as_user=LYON_AGENT)
    assert len(await gather_digests(session, now=utcnow())) == 1  # no period left to wait
    await send_due(session, mailer)
    assert [m["X-Groupdesk-Kind"] for m in sink.to(await email_of(session, LYON_AGENT))] == ["DIGEST"]
