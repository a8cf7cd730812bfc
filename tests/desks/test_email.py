"""The e-mail connector against a real aiosmtpd server on loopback."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tenants.desks import (
    CheckOutcome,
    DeskConfig,
    DeskConnector,
    DeskError,
    DeskKind,
    EventKind,
    build_connector,
)
from tests.desks.conftest import EMAIL_MAPPINGS, email_config
from tests.support.desk_payloads import event, full_life, ticket
from tests.support.live_server import free_port
from tests.support.smtp_sink import SMTP_PASSWORD, SMTP_USER, SmtpSink


async def test_opening_and_events_thread_in_the_gateway(email: DeskConnector, smtp_sink: SmtpSink) -> None:
    group = ticket()
    remote = await email.create(group)
    assert (remote.id, remote.ref) == (group.group_ref, group.group_ref)
    assert await email.find(group.group_ref) is None
    later = replace(group, local_ref="R-000123")
    pending = event(EventKind.PENDING, later, "Which quota does the form show?")
    await email.apply(remote, pending)
    opening, reply = smtp_sink.about(group.group_ref)
    assert opening["Subject"] == f"[{group.group_ref}] {group.title}"
    assert opening["Message-ID"] == f"<{group.group_ref}.opened@groupe-insa.example>"
    assert opening["To"] == "support@insa-rennes.example"
    assert "quota reached" in opening.get_content() and "Service: Scenari > Account management" in opening.get_content()
    assert reply["Subject"].startswith(f"Re: [{group.group_ref}] [R-000123] {group.title}")
    assert reply["Message-ID"] == f"<{pending.event_id}.{group.group_ref}@groupe-insa.example>"
    assert reply["In-Reply-To"] == reply["References"] == opening["Message-ID"]
    assert reply["X-Groupdesk-Event"] == "ticket.pending"
    body = reply.get_content()
    assert "Which quota does the form show?" in body and f"[groupdesk event {pending.event_id}]" in body
    assert "Local ticket: R-000123" in body


async def test_full_life_is_one_thread(email: DeskConnector, smtp_sink: SmtpSink) -> None:
    group = ticket()
    remote = await email.create(group)
    life = full_life(group)
    for step in life:
        await email.apply(remote, step)
    opening, *replies = smtp_sink.about(group.group_ref)
    assert [m["X-Groupdesk-Event"] for m in replies] == [e.kind.value for e in life]
    assert {m["In-Reply-To"] for m in replies} == {opening["Message-ID"]}
    assert len({m["Message-ID"] for m in replies}) == len(life)
    assert replies[5]["Subject"].endswith("- Resolved by Noé Lambert")
    assert "Quota raised to 400" in replies[5].get_content()


async def test_a_resent_event_keeps_its_message_id(email: DeskConnector, smtp_sink: SmtpSink) -> None:
    group = ticket()
    remote = await email.create(group)
    comment = event(EventKind.COMMENTED, group, "Noé's comment with accents: é à ü")
    await email.apply(remote, comment)
    await email.apply(remote, comment)
    first, second = smtp_sink.about(group.group_ref)[1:]
    assert first["Message-ID"] == second["Message-ID"]
    assert "é à ü" in first.get_content()


async def test_login_is_used_when_configured(smtp_sink: SmtpSink) -> None:
    good = build_connector(email_config(smtp_sink, {"username": SMTP_USER, "password": SMTP_PASSWORD}))
    result = await good.check()
    assert result.ok and f"as {SMTP_USER}" in result.detail
    await good.create(group := ticket())
    assert len(smtp_sink.about(group.group_ref)) == 1
    bad = build_connector(email_config(smtp_sink, {"username": SMTP_USER, "password": "nope"}))
    with pytest.raises(DeskError) as caught:
        await bad.create(ticket())
    assert caught.value.message.startswith("SMTP login failed at 127.0.0.1:") and not caught.value.retryable
    assert (await bad.check()).outcome is CheckOutcome.REFUSED  # the server answered and said no


async def test_server_down_is_retryable() -> None:
    port = free_port()
    connector = build_connector(DeskConfig(DeskKind.EMAIL, f"smtp://127.0.0.1:{port}", {}, EMAIL_MAPPINGS))
    with pytest.raises(DeskError) as caught:
        await connector.create(ticket())
    assert caught.value.message == f"SMTP server unreachable at 127.0.0.1:{port}: connection refused"
    assert caught.value.retryable
    result = await connector.check()
    assert result.outcome is CheckOutcome.UNREACHABLE and not result.reached
    assert "connection refused" in result.detail


async def test_missing_addresses_are_reported(smtp_sink: SmtpSink) -> None:
    connector = build_connector(DeskConfig(DeskKind.EMAIL, f"smtp://127.0.0.1:{smtp_sink.port}", {}, {}))
    result = await connector.check()
    assert result.outcome is CheckOutcome.NOT_CONFIGURED and "need a `from` and a `to` address" in result.detail
