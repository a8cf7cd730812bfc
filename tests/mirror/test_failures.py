"""A desk that is down, refuses, or keeps failing: retries, PAUSED, retryMirror, nothing lost."""

from __future__ import annotations

from sqlalchemy import select

from server.mirror.delivery import MirrorDelivery
from server.mirror.models import Mirror, MirrorStatus, OutboxEvent
from server.mirror.retry import RetryPolicy
from tenants.desks import build_connector
from tests.mirror.conftest import ADMIN, FAST, SCHOOL, Life, itop_desk, set_desk
from tests.mirror.test_life_mirrored import mirror_of
from tests.support.clock import SteppedClock
from tests.support.slow_itop import SlowItop

RETRY = """mutation($id: ID!) { retryMirror(ticketId: $id) {
  __typename ... on TicketMirror { status attempts lastError } ... on Problem { message } } }"""
MIRRORS = """query($status: MirrorStatus) { mirrors(status: $status) { edges { node {
  status lastError attempts desk remoteRef ticket { ref } school { slug } } } } }"""


async def undelivered(session, ticket_id: int) -> int:
    rows = await session.scalars(select(OutboxEvent).where(OutboxEvent.ticket_id == ticket_id,
                                                           OutboxEvent.delivered_at.is_(None))
                                 .execution_options(populate_existing=True))
    return len(list(rows))


async def test_desk_down_throughout_then_back_drains_the_backlog_in_order(
        session, life: Life, itop: SlowItop, sessions) -> None:
    clock = SteppedClock()
    patient = MirrorDelivery(sessions, policy=RetryPolicy(max_retries=50, min_backoff_ms=1,
                                                          max_backoff_ms=2),
                             lease_seconds=30, connectors=build_connector, clock=clock)
    await set_desk(session, SCHOOL, itop_desk(itop.url))
    itop.down()
    await life.open()
    await life.act("ismael.grandcourtois", "START")
    await life.act("ismael.grandcourtois", "HOLD", reason="Which workshop?")
    for _ in range(4):
        outcome = await patient.deliver(life.ticket_id)
        assert outcome.retry_in_ms is not None and "connection refused" in outcome.error
        clock.advance(1)  # past the backoff
    mirror = await mirror_of(session, life.ticket_id)
    assert mirror.status is MirrorStatus.FAILED and mirror.attempts == 4
    assert "iTop unreachable" in mirror.last_error
    assert await undelivered(session, life.ticket_id) == 4
    itop.up()
    clock.advance(1)
    outcome = await patient.deliver(life.ticket_id)
    assert outcome.delivered == 4 and outcome.error is None
    mirror = await mirror_of(session, life.ticket_id)
    assert mirror.status is MirrorStatus.SYNCED and mirror.attempts == 0 and mirror.last_error is None
    assert len(itop.tickets_titled(f"[{(await life.ticket()).ref}]")) == 1
    assert itop.stimuli(mirror.remote_ref) == ["ev_assign", "ev_pending"]
    assert await undelivered(session, life.ticket_id) == 0


async def test_retries_exhausted_pause_the_mirror_and_later_events_wait_behind(
        session, life: Life, itop: SlowItop, sessions) -> None:
    clock = SteppedClock()
    delivery = MirrorDelivery(sessions, policy=FAST, lease_seconds=30, connectors=build_connector,
                              clock=clock)
    await set_desk(session, SCHOOL, itop_desk(itop.url))
    itop.down("503")
    await life.open()
    outcomes = []
    for _ in range(5):
        outcomes.append(await delivery.deliver(life.ticket_id))
        clock.advance(1)  # past the backoff
    # max_retries=3: the first try and three retries fail, then the mirror pauses.
    assert [o.paused for o in outcomes[:4]] == [False, False, False, True]
    assert outcomes[4].busy  # paused: nobody delivers until an admin retries
    mirror = await mirror_of(session, life.ticket_id)
    assert mirror.status is MirrorStatus.PAUSED and "HTTP 503" in mirror.last_error
    itop.up()
    await life.act("ismael.grandcourtois", "START")
    assert (await delivery.deliver(life.ticket_id)).busy
    assert itop.tickets_titled("[") == []


async def test_a_refusal_pauses_at_once_with_words_an_admin_can_act_on_then_retry_recovers(
        session, life: Life, itop: SlowItop, delivery: MirrorDelivery, gql) -> None:
    await set_desk(session, SCHOOL, itop_desk(itop.url, team_id=None))
    await life.open()
    outcome = await delivery.deliver(life.ticket_id)
    assert outcome.paused and outcome.delivered == 1  # created, then the assignment was refused
    paused = await gql(MIRRORS, {"status": "PAUSED"}, as_user=ADMIN)
    [node] = [e["node"] for e in paused["mirrors"]["edges"]]
    ref = (await life.ticket()).ref
    assert node["ticket"]["ref"] == ref and node["school"]["slug"] == SCHOOL
    assert node["lastError"] == ("ticket.assigned: iTop mapping needs team_id and agent_id to "
                                 "assign tickets")
    assert node["remoteRef"].startswith("R-") and node["desk"] == "ITOP"

    await set_desk(session, SCHOOL, itop_desk(itop.url))
    gid = (await gql("query($ref: String!) { ticketByRef(ref: $ref) { id } }", {"ref": ref},
                     as_user=ADMIN))["ticketByRef"]["id"]
    retried = await gql(RETRY, {"id": gid}, as_user=ADMIN)
    assert retried["retryMirror"] == {"__typename": "TicketMirror", "status": "PENDING",
                                      "attempts": 0, "lastError": None}
    assert (await delivery.deliver(life.ticket_id)).delivered == 1
    synced = await gql("query($ref: String!) { ticketByRef(ref: $ref) { mirror { status } } }",
                       {"ref": ref}, as_user=ADMIN)
    assert synced["ticketByRef"]["mirror"]["status"] == "SYNCED"
    assert len(itop.tickets_titled(f"[{ref}]")) == 1


async def test_only_group_admins_retry_or_list_mirrors(session, life: Life, itop: SlowItop, gql) -> None:
    await set_desk(session, SCHOOL, itop_desk(itop.url))
    await life.open()
    ref = (await life.ticket()).ref
    gid = (await gql("query($ref: String!) { ticketByRef(ref: $ref) { id mirror { status } } }",
                     {"ref": ref}, as_user="amandine.roclerc"))["ticketByRef"]["id"]
    refused = await gql(RETRY, {"id": gid}, as_user="amandine.roclerc")
    assert refused["retryMirror"]["__typename"] == "PermissionDenied"
    assert (await gql(MIRRORS, {}, as_user="amandine.roclerc"))["mirrors"]["edges"] == []
    assert (await session.scalar(select(Mirror).where(Mirror.ticket_id == life.ticket_id))) is not None
