"""Two installations on one desk never adopt each other's tickets; a local ref links; the form travels."""

from __future__ import annotations

from sqlalchemy import select

from server.db import session_factory
from server.mirror.delivery import MirrorDelivery
from server.mirror.models import Installation, Mirror, MirrorStatus
from server.mirror.retry import RetryPolicy
from server.tickets.service import open_ticket
from tenants.desks import build_connector
from tests.mirror.conftest import AGENT, EXPERT, SCHOOL, Life, itop_desk, principal, set_desk
from tests.support.slow_itop import SlowItop

FAST = RetryPolicy(max_retries=3, min_backoff_ms=1, max_backoff_ms=4)


async def test_a_second_installation_never_adopts_the_first_ones_local_ticket(
        session, life: Life, itop: SlowItop, delivery: MirrorDelivery, shared) -> None:
    await set_desk(session, SCHOOL, itop_desk(itop.url))
    await life.open()
    await life.act(EXPERT, "START")
    await life.act(EXPERT, "RESOLVE", solution="Done.")
    await life.act(AGENT, "CLOSE")
    await delivery.deliver(life.ticket_id)
    first = await life.ticket()
    # A rebuilt server (its own database, its own identity) pointed at the same iTop.
    url, engine = shared
    sessions = session_factory(engine)
    async with sessions() as other:
        ours = await session.scalar(select(Installation.identity))
        theirs = await other.scalar(select(Installation.identity))
        assert ours != theirs
        await set_desk(other, SCHOOL, itop_desk(itop.url))
        second = Life(other)
        await second.open()
        assert (await second.ticket()).ref == first.ref  # both number from the same start
        await second.comment(EXPERT, "A comment for the second installation's ticket.")
        rebuilt = MirrorDelivery(sessions, policy=FAST, lease_seconds=30, connectors=build_connector)
        outcome = await rebuilt.deliver(second.ticket_id)
        assert outcome.error is None and outcome.delivered == 3
        mirror = await other.scalar(select(Mirror).where(Mirror.ticket_id == second.ticket_id))
    locals_ = itop.tickets_titled(f"[{first.ref}]")
    assert len(locals_) == 2  # its own local ticket, not the first installation's closed one
    mine = itop.ticket(mirror.remote_ref)
    assert mine["status"] != "closed"
    assert any("second installation" in e for e in itop.public_log(mirror.remote_ref))
    [old] = [t for t in locals_ if t["ref"] != mirror.remote_ref]
    assert not any("second installation" in e for e in itop.public_log(old["ref"]))


async def test_a_mirror_pointing_at_another_installations_ticket_pauses_with_the_reason(
        session, life: Life, itop: SlowItop, delivery: MirrorDelivery) -> None:
    await set_desk(session, SCHOOL, itop_desk(itop.url))
    await life.open()
    staging = MirrorDelivery(delivery.claims.sessions, policy=FAST, lease_seconds=30,
                             connectors=build_connector, installation="staging-copy")
    assert (await staging.deliver(life.ticket_id)).error is None
    await life.comment(EXPERT, "Written by the production server.")
    outcome = await delivery.deliver(life.ticket_id)
    assert outcome.paused
    mirror = await session.scalar(select(Mirror).where(Mirror.ticket_id == life.ticket_id))
    await session.refresh(mirror)
    assert mirror.status is MirrorStatus.PAUSED
    assert "belongs to another groupdesk installation (staging-copy)" in mirror.last_error
    assert not any("production server" in e for e in itop.public_log(mirror.remote_ref))


async def test_a_ticket_opened_with_its_local_ref_links_to_it_and_makes_no_second_local_ticket(
        session, life: Life, itop: SlowItop, delivery: MirrorDelivery) -> None:
    from server.catalog.models import SubService
    from tests.mirror.conftest import FORM

    await set_desk(session, SCHOOL, itop_desk(itop.url))
    local = itop.agent_creates("Scenari account for Jules")
    before = len(itop.objects["UserRequest"])
    await life.write()
    sub = await session.scalar(select(SubService).where(SubService.name == "Account creation"))
    desk_account = await principal(session, "itop.insa-lyon")
    ticket = await open_ticket(session, actor=desk_account, sub_service_id=sub.id, title="Scenari account",
                               request_data=FORM, local_ref=local)
    await session.commit()
    life.ticket_id = ticket.id
    await life.act(EXPERT, "START")
    outcome = await delivery.deliver(ticket.id)
    assert outcome.error is None
    assert len(itop.objects["UserRequest"]) == before and itop.creates() == 0
    assert itop.ticket(local)["status"] == "assigned"
    mirror = await session.scalar(select(Mirror).where(Mirror.ticket_id == ticket.id))
    assert mirror.remote_ref == local


async def test_the_request_form_reaches_the_local_ticket_with_its_field_titles(
        session, life: Life, itop: SlowItop, delivery: MirrorDelivery) -> None:
    await set_desk(session, SCHOOL, itop_desk(itop.url))
    await life.open()
    await delivery.deliver(life.ticket_id)
    [local] = itop.tickets_titled(f"[{(await life.ticket()).ref}]")
    description = local["description"]
    assert "Account holder&#x27;s e-mail: new.writer@insa-lyon.example.org" in description
    assert "Scenari platform: scenari-pedagogie" in description
    assert "Role on the platform: author" in description


async def test_the_request_form_reaches_a_webhook_and_an_email_desk(
        session, life: Life, receiver, smtp, delivery: MirrorDelivery) -> None:
    from tests.mirror.conftest import email_desk, webhook_desk

    await set_desk(session, SCHOOL, webhook_desk(receiver.url))
    await life.open()
    await delivery.deliver(life.ticket_id)
    opened = [d for d in receiver.deliveries if d.method == "POST"][0].json()["data"]
    assert ["Role on the platform", "author"] in opened["form"]
    assert opened["installation"] == await session.scalar(select(Installation.identity))

    await set_desk(session, SCHOOL, email_desk(smtp.port))
    second = Life(session)
    await second.open("Another account")
    await delivery.deliver(second.ticket_id)
    assert any("Scenari platform: scenari-pedagogie" in m.get_content() for m in smtp.messages)
