"""Pulling what a stock iTop's agents do: log entries, local resolutions and closures, divergence."""

from __future__ import annotations

from sqlalchemy import select

from server.mirror.delivery import MirrorDelivery
from server.mirror.models import DeskPoll, Mirror, MirrorStatus
from server.mirror.poll import DeskPoller
from server.mirror.service import resync_mirror
from server.tickets.models import CommentSource, EventKind, TicketComment, TicketEvent
from tenants.desks import build_connector
from tenants.i18n.messages import Message, restored
from tests.mirror.conftest import ADMIN, EXPERT, SCHOOL, Life, itop_desk, principal, set_desk
from tests.support.fake_itop import AGENT_NAME
from tests.support.slow_itop import SlowItop


def poller(sessions) -> DeskPoller:
    return DeskPoller(sessions, connectors=build_connector)


async def mirrored(session, life: Life, itop: SlowItop, delivery: MirrorDelivery) -> tuple[Mirror, int]:
    """A ticket being worked on, delivered to INSA Lyon's iTop (which keeps Paris time)."""
    await set_desk(session, SCHOOL, itop_desk(itop.url, timezone="Europe/Paris"))
    await life.open()
    await life.act(EXPERT, "START")
    await life.comment(EXPERT, "Looking into it.")
    assert (await delivery.deliver(life.ticket_id)).error is None
    mirror = await session.scalar(select(Mirror).where(Mirror.ticket_id == life.ticket_id))
    return mirror, (await life.ticket()).tenant_id


async def desk_comments(session, ticket_id: int) -> list[str]:
    rows = await session.scalars(select(TicketComment.body).where(
        TicketComment.ticket_id == ticket_id, TicketComment.source == CommentSource.DESK)
        .order_by(TicketComment.id))
    return list(rows)


async def last_event(session, ticket_id: int) -> TicketEvent:
    return await session.scalar(select(TicketEvent).where(TicketEvent.ticket_id == ticket_id)
                                .order_by(TicketEvent.id.desc()).limit(1))


async def test_an_agents_log_entry_reaches_the_group_ticket_in_one_poll_and_nothing_echoes(
        session, sessions, life: Life, itop: SlowItop, delivery: MirrorDelivery) -> None:
    mirror, school = await mirrored(session, life, itop, delivery)
    polls = poller(sessions)
    # What the integration wrote itself (the comment, the assignment) never comes back.
    assert (await polls.poll(school)).applied == 0
    assert await desk_comments(session, life.ticket_id) == []
    itop.agent_logs(mirror.remote_ref, "The user says it works in Firefox.")
    assert (await polls.poll(school)).applied == 1
    [comment] = await desk_comments(session, life.ticket_id)
    assert comment.startswith("The user says it works in Firefox.") and AGENT_NAME in comment
    # Read again (the cursor keeps the same second): applied once, and never sent back.
    assert (await polls.poll(school)).applied == 0
    assert len(await desk_comments(session, life.ticket_id)) == 1
    assert (await delivery.deliver(life.ticket_id)).delivered == 0
    assert sum("Firefox" in entry for entry in itop.public_log(mirror.remote_ref)) == 1
    cursor = await session.scalar(select(DeskPoll.cursor).where(DeskPoll.tenant_id == school))
    assert cursor == itop.ticket(mirror.remote_ref)["last_update"]  # iTop's local time, no offset


async def test_an_answer_written_in_itop_resumes_the_group_ticket_and_takes_the_local_one_out_of_pending(
        session, sessions, life: Life, itop: SlowItop, delivery: MirrorDelivery) -> None:
    mirror, school = await mirrored(session, life, itop, delivery)
    await life.act(EXPERT, "HOLD", reason="Which workshop?")
    await delivery.deliver(life.ticket_id)
    assert itop.ticket(mirror.remote_ref)["status"] == "pending"
    itop.agent_logs(mirror.remote_ref, "Chimie L1, please.")
    assert (await poller(sessions).poll(school)).applied == 1
    assert (await life.ticket()).state.value == "IN_PROGRESS"
    await delivery.deliver(life.ticket_id)
    assert itop.ticket(mirror.remote_ref)["status"] == "assigned"
    assert (await poller(sessions).poll(school)).diverged == 0
    await session.refresh(mirror)
    assert mirror.status is MirrorStatus.SYNCED


async def test_a_local_resolution_is_told_to_the_experts_shown_as_diverged_and_resynced(
        session, sessions, life: Life, itop: SlowItop, delivery: MirrorDelivery) -> None:
    mirror, school = await mirrored(session, life, itop, delivery)
    itop.agent_applies(mirror.remote_ref, "ev_resolve", solution="Cleared the browser cache.")
    result = await poller(sessions).poll(school)
    assert (result.applied, result.diverged) == (1, 1)
    event = await last_event(session, life.ticket_id)
    assert event.kind is EventKind.RESOLVED_LOCALLY
    assert event.data == {"message": "Cleared the browser cache.", "author": AGENT_NAME}
    assert (await life.ticket()).state.value == "IN_PROGRESS"  # the experts decide
    await session.refresh(mirror)
    assert mirror.status is MirrorStatus.DIVERGED
    divergence = restored(mirror.divergence)
    ref = (await life.ticket()).ref
    assert isinstance(divergence, Message)
    assert f"is 'resolved' but {ref} is IN_PROGRESS" in divergence
    # Stored as a message: each reader reads it in their language, the states and refs unchanged.
    assert divergence.in_language("fr") == (
        f"itop {mirror.remote_ref} est « resolved » alors que {ref} est IN_PROGRESS (le ticket local "
        "devrait être working) : resynchronisez le miroir pour l'aligner")
    # The same state read again is no new event.
    assert (await poller(sessions).poll(school)).applied == 0
    await life.write()
    await resync_mirror(session, actor=await principal(session, ADMIN), ticket_id=life.ticket_id)
    await session.commit()
    assert (await delivery.deliver(life.ticket_id)).error is None
    assert itop.ticket(mirror.remote_ref)["status"] == "assigned"
    await poller(sessions).poll(school)
    await session.refresh(mirror)
    assert (mirror.status, mirror.divergence) == (MirrorStatus.SYNCED, None)


async def test_a_local_close_confirms_a_resolved_ticket_and_flags_an_open_one(
        session, sessions, life: Life, itop: SlowItop, delivery: MirrorDelivery) -> None:
    mirror, school = await mirrored(session, life, itop, delivery)
    itop.agent_applies(mirror.remote_ref, "ev_resolve", solution="Duplicate.")
    itop.agent_applies(mirror.remote_ref, "ev_close")
    await poller(sessions).poll(school)
    await session.refresh(mirror)
    assert mirror.local_closed and mirror.status is MirrorStatus.DIVERGED
    assert (await last_event(session, life.ticket_id)).kind is EventKind.CLOSED_LOCALLY
    assert (await life.ticket()).state.value == "IN_PROGRESS"

    second = Life(session)
    await second.open("Another account")
    await second.act(EXPERT, "START")
    await second.act(EXPERT, "RESOLVE", solution="Account created.")
    await delivery.deliver(second.ticket_id)
    other = await session.scalar(select(Mirror).where(Mirror.ticket_id == second.ticket_id))
    itop.agent_applies(other.remote_ref, "ev_close")
    await poller(sessions).poll(school)
    assert (await second.ticket()).state.value == "CLOSED"  # the school confirmed the solution


async def test_nothing_is_applied_and_the_cursor_stays_when_the_desk_account_is_missing(
        session, sessions, life: Life, itop: SlowItop, delivery: MirrorDelivery) -> None:
    mirror, school = await mirrored(session, life, itop, delivery)
    itop.agent_logs(mirror.remote_ref, "Anyone there?")
    desk_user = await principal(session, "itop.insa-lyon")
    from server.identity.models import User

    await life.write()
    user = await session.get(User, desk_user.user_id)
    user.active = False
    await session.commit()
    result = await poller(sessions).poll(school)
    assert result.applied == 0 and "desk-integration account" in (result.error or "")
    assert await desk_comments(session, life.ticket_id) == []
    await life.write()
    user.active = True
    await session.commit()
    assert (await poller(sessions).poll(school)).applied == 1  # re-read, never skipped


async def test_a_glpi_technicians_followup_and_solution_reach_the_group_ticket_without_echo(
        session, sessions, life: Life, glpi, delivery: MirrorDelivery) -> None:
    from tests.mirror.conftest import glpi_desk
    from tests.support.fake_glpi import AGENT_FIRST, AGENT_LAST

    await set_desk(session, SCHOOL, {**glpi_desk(glpi.url), "mappings": {
        **glpi_desk(glpi.url)["mappings"], "timezone": "Europe/Paris"}})
    await life.open()
    await life.act(EXPERT, "START")
    await life.comment(EXPERT, "Looking into it.")
    assert (await delivery.deliver(life.ticket_id)).error is None
    mirror = await session.scalar(select(Mirror).where(Mirror.ticket_id == life.ticket_id))
    school = (await life.ticket()).tenant_id
    polls = poller(sessions)
    assert (await polls.poll(school)).applied == 0  # the API account's own followups stay home
    glpi.agent_follows_up(mirror.remote_id, "<p>Seen by the user &amp; fixed on their side.</p>")
    assert (await polls.poll(school)).applied == 1
    assert (await polls.poll(school)).applied == 0
    [comment] = await desk_comments(session, life.ticket_id)
    assert comment.startswith("Seen by the user & fixed on their side.")
    assert f"{AGENT_FIRST} {AGENT_LAST}" in comment
    glpi.agent_solves(mirror.remote_id, "<p>Quota raised locally.</p>")
    result = await polls.poll(school)
    assert (result.applied, result.diverged) == (1, 1)
    event = await last_event(session, life.ticket_id)
    assert event.kind is EventKind.RESOLVED_LOCALLY and event.data["message"] == "Quota raised locally."
    await session.refresh(mirror)
    assert mirror.status is MirrorStatus.DIVERGED and "is 'solved'" in str(restored(mirror.divergence))
