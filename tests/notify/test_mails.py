"""Notification mails through the real SMTP server: who receives what, in which language, threaded."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from server.identity.models import User
from server.notify.delivery import MailDelivery
from server.tickets import comments
from server.tickets.models import Visibility
from tests.notify.conftest import PUBLIC_URL, send_due
from tests.notify.helpers import act, email_of, html_of, open_account_ticket, text_of
from tests.support.smtp_sink import SmtpSink
from tests.tickets.helpers import (
    LYON_AGENT,
    LYON_EXPERT,
    LYON_MANAGER,
    RENNES_AGENT,
    ROUEN_EXPERT,
    principal,
)


async def test_the_assigned_expert_gets_a_french_mail_when_a_school_agent_opens_a_ticket(
        session: AsyncSession, mailer: MailDelivery, sink: SmtpSink) -> None:
    ticket = await open_account_ticket(session, LYON_AGENT)
    await send_due(session, mailer)

    expert = sink.to(await email_of(session, ROUEN_EXPERT))
    assert len(expert) == 1
    mail = expert[0]
    assert mail["Content-Language"] == "fr"
    assert mail["Subject"] == f"[{ticket.ref}] {ticket.title} - pris en charge"
    assert mail["X-Groupdesk-Ref"] == ticket.ref
    text = text_of(mail)
    assert "Bonjour Ismaël Grandcourtois" in text
    assert "Le ticket est confié à Ismaël Grandcourtois." in text
    assert f"{PUBLIC_URL}/tickets/{ticket.ref}" in text
    # The HTML part escapes the title a school typed; the text part keeps it as typed.
    assert "Compte auteur pour <Élise> & co" in text
    assert "Compte auteur pour &lt;Élise&gt; &amp; co" in html_of(mail)
    assert f'href="{PUBLIC_URL}/tickets/{ticket.ref}"' in html_of(mail)
    # The requester hears that an expert has it; another school hears nothing.
    assert len(sink.to(await email_of(session, LYON_AGENT))) == 1
    assert sink.to(await email_of(session, RENNES_AGENT)) == []


async def test_one_tickets_mails_thread_and_each_has_its_own_message_id(
        session: AsyncSession, mailer: MailDelivery, sink: SmtpSink) -> None:
    ticket = await open_account_ticket(session, LYON_AGENT)
    await act(session, ROUEN_EXPERT, ticket, "START")
    await act(session, ROUEN_EXPERT, ticket, "HOLD", reason="Quelle plateforme ?")
    await send_due(session, mailer)

    agent = sink.to(await email_of(session, LYON_AGENT))
    assert [m["X-Groupdesk-Kind"] for m in agent] == ["ASSIGNED", "QUESTION"]
    root = f"<{ticket.ref}@groupdesk.example.org>"
    assert {m["In-Reply-To"] for m in agent} == {root} == {m["References"] for m in agent}
    assert len({m["Message-ID"] for m in agent}) == 2


async def test_the_experts_question_reaches_the_requester_and_the_schools_agents_by_mail(
        session: AsyncSession, mailer: MailDelivery, sink: SmtpSink) -> None:
    ticket = await open_account_ticket(session, LYON_AGENT)
    await act(session, ROUEN_EXPERT, ticket, "START")
    await send_due(session, mailer)
    with sink.lock:
        sink.messages.clear()
    await act(session, ROUEN_EXPERT, ticket, "HOLD", reason="Pour quelle plateforme ?")
    await send_due(session, mailer)

    told = {m["To"] for m in sink.messages}
    # Lyon's active agents (Amandine opened it; Céleste and Hugo are agents too), not the expert who
    # asked, not Lyon's manager (managers hear of approvals), not the agent who left.
    assert told == {await email_of(session, u) for u in (LYON_AGENT, LYON_EXPERT, "hugo.merlandin")}
    question = sink.to(await email_of(session, LYON_AGENT))[0]
    assert "attend une réponse" in text_of(question)
    assert "Pour quelle plateforme ?" in text_of(question)


async def test_internal_comments_never_reach_a_schools_inbox(
        session: AsyncSession, mailer: MailDelivery, sink: SmtpSink) -> None:
    ticket = await open_account_ticket(session, LYON_AGENT)
    await act(session, ROUEN_EXPERT, ticket, "START")
    await send_due(session, mailer)
    with sink.lock:
        sink.messages.clear()
    expert = await principal(session, ROUEN_EXPERT)
    await comments.add_comment(session, actor=expert, ticket_id=ticket.id, body="secret-7c1 between experts",
                               visibility=Visibility.INTERNAL)
    await send_due(session, mailer)
    assert sink.messages == []

    await comments.add_comment(session, actor=expert, ticket_id=ticket.id, body="Compte créé, testez",
                               visibility=Visibility.PUBLIC)
    await send_due(session, mailer)
    assert {m["X-Groupdesk-Kind"] for m in sink.messages} == {"COMMENT"}
    assert all("secret-7c1" not in text_of(m) for m in sink.messages)
    assert len(sink.to(await email_of(session, LYON_AGENT))) == 1


async def test_a_school_comment_tells_the_assignee_it_answered(
        session: AsyncSession, mailer: MailDelivery, sink: SmtpSink) -> None:
    ticket = await open_account_ticket(session, LYON_AGENT)
    await send_due(session, mailer)
    with sink.lock:
        sink.messages.clear()
    await comments.add_comment(session, actor=await principal(session, LYON_AGENT), ticket_id=ticket.id,
                               body="C'est urgent", visibility=Visibility.PUBLIC)
    await send_due(session, mailer)
    expert = sink.to(await email_of(session, ROUEN_EXPERT))
    assert [m["X-Groupdesk-Kind"] for m in expert] == ["ANSWER"]
    # The agent who wrote it is not told of their own comment.
    assert sink.to(await email_of(session, LYON_AGENT)) == []


async def test_a_reader_who_reads_english_gets_the_english_templates(
        session: AsyncSession, mailer: MailDelivery, sink: SmtpSink) -> None:
    await session.execute(update(User).where(User.username == ROUEN_EXPERT).values(language="en"))
    ticket = await open_account_ticket(session, LYON_AGENT)
    await send_due(session, mailer)
    mail = sink.to(await email_of(session, ROUEN_EXPERT))[0]
    assert mail["Content-Language"] == "en"
    assert mail["Subject"] == f"[{ticket.ref}] {ticket.title} - assigned"
    assert "The ticket is assigned to Ismaël Grandcourtois." in text_of(mail)
    # The school keeps French.
    assert sink.to(await email_of(session, LYON_AGENT))[0]["Content-Language"] == "fr"


async def test_an_approval_request_mails_the_schools_managers(
        session: AsyncSession, mailer: MailDelivery, sink: SmtpSink) -> None:
    from server.tickets import service as tickets
    from tests.tickets.helpers import ROLE_CHANGE, sub_service_id

    await tickets.open_ticket(session, actor=await principal(session, LYON_AGENT),
                              sub_service_id=await sub_service_id(session, ROLE_CHANGE),
                              title="Droits de publication", request_data={
                                  "account_email": "lead@insa-lyon.example.org",
                                  "platform": "scenari-pedagogie", "new_role": "publisher"})
    await send_due(session, mailer)
    assert {m["To"] for m in sink.messages} == {await email_of(session, LYON_MANAGER)}
    assert "attend votre approbation" in text_of(sink.messages[0])
    assert sink.messages[0]["X-Groupdesk-Kind"] == "APPROVAL_WAITING"


async def test_a_requester_named_only_by_email_is_told_too(
        session: AsyncSession, mailer: MailDelivery, sink: SmtpSink) -> None:
    await open_account_ticket(session, LYON_AGENT, requester_name="Élise Martin",
                              requester_email="elise.martin@insa-lyon.example.org")
    await send_due(session, mailer)
    mail = sink.to("elise.martin@insa-lyon.example.org")
    assert len(mail) == 1 and "Bonjour Élise Martin" in text_of(mail[0])


async def test_a_title_with_line_breaks_still_makes_a_one_line_subject(
        session: AsyncSession, mailer: MailDelivery, sink: SmtpSink) -> None:
    ticket = await open_account_ticket(session, LYON_AGENT)
    ticket.title = "Deux\r\nlignes"  # older tickets, or a desk, may carry one
    await act(session, ROUEN_EXPERT, ticket, "START")
    await act(session, ROUEN_EXPERT, ticket, "HOLD", reason="?")
    await send_due(session, mailer)
    question = [m for m in sink.to(await email_of(session, LYON_AGENT)) if m["X-Groupdesk-Kind"] == "QUESTION"]
    assert question[0]["Subject"] == f"[{ticket.ref}] Deux lignes - question"
