"""ticketMirrorChanged over a real WebSocket: a ticket's mirror, live, to those who see the ticket.

The mirror is delivered by the delivery code the worker and the relay run, to a fake iTop, from
this test's own engine: its commits travel like any other process's (the in-process bus on
SQLite, NOTIFY on PostgreSQL).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from server.db import writer_session
from server.identity.models import Tenant
from server.mirror import service
from server.mirror.delivery import MirrorDelivery
from server.mirror.desks import check_spec, store_desk
from server.mirror.models import Mirror
from server.tickets.models import Ticket
from tenants.desks import build_connector
from tests.live.conftest import LiveStack, Socket
from tests.live.helpers import MIRROR_CHANGED, TICKET_EVENTS, TICKETS_CHANGED, Desk, heard, ticket_gid
from tests.mirror.conftest import FAST, SECRETS, itop_desk
from tests.support.fake_itop import FakeItop
from tests.tickets.helpers import ADMIN, LYON_AGENT, RENNES_AGENT, principal

HEARTBEAT = "subscription { heartbeat(count: 1) { username } }"


@pytest.fixture(autouse=True)
def desk_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def itop() -> Iterator[FakeItop]:
    fake = FakeItop(extra_fields=("group_ref",))
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
async def desk(live: LiveStack, itop: FakeItop) -> Desk:
    """INSA Lyon's desk is this test's fake iTop: its tickets get a mirror."""
    async with writer_session(live.sessions) as session:
        lyon = await session.scalar(select(Tenant).where(Tenant.slug == "insa-lyon"))
        assert lyon is not None
        await store_desk(session, lyon, check_spec(itop_desk(itop.url)))
    return Desk(live.sessions)


async def opened_and_heard(live: LiveStack, desk: Desk, school: Socket) -> Ticket:
    """Open a ticket once the school's socket listens to every list; return once the hub has
    routed the opening's messages (a subscription made after this never hears of the opening)."""
    await school.subscribe("all", TICKETS_CHANGED)
    ticket = await desk.open(LYON_AGENT)
    await heard(school, ticket)
    return ticket


def delivery(live: LiveStack) -> MirrorDelivery:
    return MirrorDelivery(live.sessions, policy=FAST, lease_seconds=30, connectors=build_connector)


async def test_the_school_sees_its_mirror_delivered_with_the_local_ref_and_another_school_nothing(
        live: LiveStack, desk: Desk) -> None:
    school = await live.socket(LYON_AGENT)
    ticket = await opened_and_heard(live, desk, school)
    other = await live.socket(RENNES_AGENT)
    await school.subscribe("m", MIRROR_CHANGED, {"id": ticket_gid(ticket)})
    await other.subscribe("x", MIRROR_CHANGED, {"id": ticket_gid(ticket)})
    # Another school's ticket is refused as ticketEvents refuses it: as if it did not exist.
    refused = await other.message("x")
    assert refused["type"] in ("next", "error"), refused
    errors = refused["payload"]["errors"] if refused["type"] == "next" else refused["payload"]
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert errors[0]["message"] == "ticketId: no such ticket, or not visible to you"

    # The opening's two events (opened, routed to the expert) reach the desk.
    assert (await delivery(live).deliver(ticket.id)).delivered == 2
    async with live.sessions() as session:
        mirror = await session.scalar(select(Mirror).where(Mirror.ticket_id == ticket.id))
        assert mirror is not None and mirror.remote_ref is not None
        local_ref = mirror.remote_ref

    # Two commits changed it (the local ticket's ref kept, then the event delivered); each message
    # reads the mirror as it is when sent, so the last one shows it SYNCED.
    seen = [(await school.next("m"))["ticketMirrorChanged"]]
    if seen[-1]["status"] != "SYNCED":
        seen.append((await school.next("m"))["ticketMirrorChanged"])
    assert seen[-1] == {"status": "SYNCED", "remoteRef": local_ref, "lastError": None,
                        "desk": "ITOP", "ticket": {"id": ticket_gid(ticket)}}

    # The other school heard nothing after its refusal: its next message is a later operation's.
    # (The heartbeat is no hub subscription: sent as is, its answer awaited.)
    await other.connection.send(json.dumps({"id": "h", "type": "subscribe", "payload": {"query": HEARTBEAT}}))
    assert (await other.next("h"))["heartbeat"] == {"username": RENNES_AGENT}
    assert [m["type"] for m in other._by_op["x"]] in ([], ["complete"])
    await school.close()
    await other.close()


async def test_a_failing_desk_shows_live_and_a_history_subscription_is_not_told(
        live: LiveStack, desk: Desk, itop: FakeItop) -> None:
    school = await live.socket(LYON_AGENT)
    ticket = await opened_and_heard(live, desk, school)
    await school.subscribe("m", MIRROR_CHANGED, {"id": ticket_gid(ticket)})
    await school.subscribe("e", TICKET_EVENTS, {"id": ticket_gid(ticket)})

    itop.down()
    outcome = await delivery(live).deliver(ticket.id)
    assert outcome.error is not None and outcome.retry_in_ms is not None

    failed = (await school.next("m"))["ticketMirrorChanged"]
    assert failed["status"] == "FAILED" and failed["remoteRef"] is None
    assert failed["lastError"] == outcome.error
    # The ticket's history did not change: its subscription heard nothing of the mirror.
    await desk.comment(LYON_AGENT, ticket.id, "after the failure")
    assert (await school.next("e"))["ticketEvents"]["data"]["body"] == "after the failure"
    await school.close()


async def test_a_rolled_back_mirror_change_publishes_nothing(live: LiveStack, desk: Desk) -> None:
    school = await live.socket(LYON_AGENT)
    ticket = await opened_and_heard(live, desk, school)
    await school.subscribe("m", MIRROR_CHANGED, {"id": ticket_gid(ticket)})
    await school.subscribe("e", TICKET_EVENTS, {"id": ticket_gid(ticket)})
    # A public comment waits for the desk: heard on both. Once it is, nothing earlier is on its way.
    await desk.comment(LYON_AGENT, ticket.id, "for the desk")
    assert (await school.next("e"))["ticketEvents"]["data"]["body"] == "for the desk"
    assert (await school.next("m"))["ticketMirrorChanged"]["status"] == "PENDING"
    before = live.hub.delivered

    with pytest.raises(RuntimeError):
        async with writer_session(live.sessions) as session:
            await service.retry_mirror(session, actor=await principal(session, ADMIN), ticket_id=ticket.id)
            raise RuntimeError("refused after the retry was written")
    async with writer_session(live.sessions) as session:
        await service.retry_mirror(session, actor=await principal(session, ADMIN), ticket_id=ticket.id)

    assert (await school.next("m"))["ticketMirrorChanged"]["status"] == "PENDING"
    # Commits reach the hub in order: by the time the committed retry was heard, a message of the
    # rolled-back one would have been routed before it. One message only: the committed retry's.
    assert live.hub.delivered - before == 1
    await school.close()
