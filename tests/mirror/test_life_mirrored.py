"""A whole ticket life, mirrored by the delivery code to each kind of desk."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.identity.models import Tenant
from server.mirror.delivery import MirrorDelivery
from server.mirror.models import Mirror, MirrorStatus, Origin, OutboxEvent
from tests.mirror.conftest import (
    LIFE_KINDS,
    SCHOOL,
    Life,
    email_desk,
    glpi_desk,
    itop_desk,
    set_desk,
    webhook_desk,
)
from tests.support.fake_glpi import FakeGlpi
from tests.support.slow_itop import SlowItop
from tests.support.smtp_sink import SmtpSink
from tests.support.webhook_receiver import WebhookReceiver


async def outbox_kinds(session: AsyncSession, ticket_id: int) -> list[str]:
    rows = await session.scalars(select(OutboxEvent).where(OutboxEvent.ticket_id == ticket_id,
                                                           OutboxEvent.origin == Origin.GROUP)
                                 .order_by(OutboxEvent.id))
    return [r.kind for r in rows]


async def mirror_of(session: AsyncSession, ticket_id: int) -> Mirror:
    mirror = await session.scalar(select(Mirror).where(Mirror.ticket_id == ticket_id)
                                  .execution_options(populate_existing=True))
    assert mirror is not None
    return mirror


async def test_every_public_change_writes_one_outbox_event_in_order(session, life: Life, receiver) -> None:
    await set_desk(session, SCHOOL, webhook_desk(receiver.url))
    await life.whole_life()
    # The internal comment is not there; the answer is one event, not a comment plus an answer.
    assert await outbox_kinds(session, life.ticket_id) == LIFE_KINDS


async def test_a_school_without_desk_gets_no_outbox_events(session, life: Life) -> None:
    await set_desk(session, SCHOOL, None)
    await life.open()
    assert await outbox_kinds(session, life.ticket_id) == []
    assert await session.scalar(select(Mirror).where(Mirror.ticket_id == life.ticket_id)) is None


async def test_whole_life_on_itop_ends_closed_with_every_step_logged(
        session, life: Life, itop: SlowItop, delivery: MirrorDelivery) -> None:
    await set_desk(session, SCHOOL, itop_desk(itop.url, ref_field="group_ref"))
    await life.whole_life()
    outcome = await delivery.deliver(life.ticket_id)
    assert outcome.delivered == len(LIFE_KINDS) and outcome.error is None
    mirror = await mirror_of(session, life.ticket_id)
    assert mirror.status is MirrorStatus.SYNCED and mirror.remote_ref.startswith("R-")
    local = itop.ticket(mirror.remote_ref)
    ticket = await life.ticket()
    assert local["status"] == "closed" and local["group_ref"] == ticket.ref
    assert local["title"].startswith(f"[{ticket.ref}]")
    log = itop.public_log(mirror.remote_ref)
    # INSA Lyon reads French (its `language` in the demo federation).
    assert [line.split("\n")[0] for line in log] == [
        "Attribué à Ismaël Grandcourtois dans groupdesk.",
        "Pris en charge par Ismaël Grandcourtois.",
        "Question de Ismaël Grandcourtois ; en attente de la réponse de l'école.",
        "Réponse de Amandine Roclerc.",
        "Commentaire de Ismaël Grandcourtois.",
        "Résolu par Ismaël Grandcourtois.",
        "Rouvert par Amandine Roclerc.",
        "Résolu par Ismaël Grandcourtois.",
        "Clos par Amandine Roclerc.",
    ]
    assert "Ticket groupe: " + ticket.ref in local["description"]
    assert "École: INSA Lyon" in local["description"]
    assert "Internal: quota checked." not in "".join(log)
    assert itop.stimuli(mirror.remote_ref) == ["ev_assign", "ev_pending", "ev_assign", "ev_resolve",
                                               "ev_reopen", "ev_resolve", "ev_close"]
    assert local["solution"] == "Workshop 'Chimie L1' opened to the account."


async def test_a_school_reading_english_gets_english_in_its_desk(
        session, life: Life, itop: SlowItop, delivery: MirrorDelivery) -> None:
    await set_desk(session, SCHOOL, itop_desk(itop.url, ref_field="group_ref"))
    school = await session.scalar(select(Tenant).where(Tenant.slug == SCHOOL))
    school.language = "en"
    await session.commit()
    await life.whole_life()
    await delivery.deliver(life.ticket_id)
    mirror = await mirror_of(session, life.ticket_id)
    log = [line.split("\n")[0] for line in itop.public_log(mirror.remote_ref)]
    assert log[0] == "Assigned to Ismaël Grandcourtois in groupdesk."
    assert log[5] == "Resolved by Ismaël Grandcourtois."
    assert "Group ticket: " in itop.ticket(mirror.remote_ref)["description"]


async def test_whole_life_on_glpi_ends_closed_with_followups_and_solutions(
        session, life: Life, glpi: FakeGlpi, delivery: MirrorDelivery) -> None:
    await set_desk(session, SCHOOL, glpi_desk(glpi.url))
    await life.whole_life()
    await delivery.deliver(life.ticket_id)
    mirror = await mirror_of(session, life.ticket_id)
    assert mirror.status is MirrorStatus.SYNCED
    local = glpi.ticket(mirror.remote_id)
    assert local["status"] == 6
    assert len(glpi.tickets_named(f"[{(await life.ticket()).ref}]")) == 1
    followups = glpi.followups_of(mirror.remote_id)
    assert any("Which workshop" in f for f in followups)
    assert any("Chimie L1" in f for f in followups)
    solutions = [s["content"] for s in glpi.solutions_of(mirror.remote_id)]
    assert any("author role" in s for s in solutions) and any("opened to the account" in s for s in solutions)


async def test_whole_life_on_a_webhook_posts_each_event_signed_and_in_order(
        session, life: Life, receiver: WebhookReceiver, delivery: MirrorDelivery) -> None:
    await set_desk(session, SCHOOL, webhook_desk(receiver.url))
    await life.whole_life()
    await delivery.deliver(life.ticket_id)
    posts = [d.json() for d in receiver.deliveries if d.method == "POST"]
    assert [p["type"] for p in posts] == LIFE_KINDS
    assert all(d.headers["webhook-signature"].startswith("v1,") for d in receiver.deliveries
               if d.method == "POST")
    assert posts[3]["data"]["message"] == "Which workshop should the account open?"
    assert posts[4]["data"]["message"] == "The workshop 'Chimie L1', please."
    assert posts[-1]["data"]["remote"]["ref"] == (await mirror_of(session, life.ticket_id)).remote_ref


async def test_whole_life_by_email_sends_one_message_per_event_with_the_ref_in_the_subject(
        session, life: Life, smtp: SmtpSink, delivery: MirrorDelivery) -> None:
    await set_desk(session, SCHOOL, email_desk(smtp.port))
    await life.whole_life()
    await delivery.deliver(life.ticket_id)
    ref = (await life.ticket()).ref
    messages = smtp.about(ref)
    assert [m["X-Groupdesk-Event"] for m in messages] == LIFE_KINDS
    assert all(f"[{ref}]" in m["Subject"] for m in messages)
    # INSA Lyon reads French: the headline in the subject and the facts under the text.
    resolved = messages[LIFE_KINDS.index("ticket.resolved")]
    assert resolved["Subject"].endswith("- Résolu par Ismaël Grandcourtois")
    body = resolved.get_content()
    assert body.startswith("Résolu par Ismaël Grandcourtois.")
    assert f"Ticket groupe: {ref}" in body and "École: INSA Lyon" in body and "Priorité: " in body
    assert (await mirror_of(session, life.ticket_id)).status is MirrorStatus.SYNCED


async def test_delivering_again_sends_nothing_twice(
        session, life: Life, receiver: WebhookReceiver, delivery: MirrorDelivery) -> None:
    await set_desk(session, SCHOOL, webhook_desk(receiver.url))
    await life.open()
    first = await delivery.deliver(life.ticket_id)
    again = await delivery.deliver(life.ticket_id)
    assert (first.delivered, again.delivered) == (2, 0)
    assert len([d for d in receiver.deliveries if d.method == "POST"]) == 2


async def test_a_rejected_request_closes_the_local_ticket_with_the_reason(
        session, life: Life, itop: SlowItop, delivery: MirrorDelivery) -> None:
    from server.catalog.models import SubService
    from server.tickets.service import open_ticket
    from tests.mirror.conftest import AGENT, principal

    await set_desk(session, SCHOOL, itop_desk(itop.url))
    sub = await session.scalar(select(SubService).where(SubService.name == "Role change"))
    ticket = await open_ticket(session, actor=await principal(session, AGENT), sub_service_id=sub.id,
                               title="Publisher rights for a lead author",
                               request_data={"account_email": "lead@insa-lyon.example.org",
                                             "platform": "scenari-pedagogie", "new_role": "publisher"})
    await session.commit()
    life.ticket_id = ticket.id
    await life.act("bastien.fauvrelle", "REJECT", reason="Publishing rights are granted in June.")
    assert await outbox_kinds(session, ticket.id) == ["ticket.opened", "ticket.closed"]
    await delivery.deliver(ticket.id)
    local = itop.ticket((await mirror_of(session, ticket.id)).remote_ref)
    assert local["status"] == "closed"
    assert local["solution"] == "Publishing rights are granted in June."
