"""The school's desk reports back: signed hooks and the desk account's mutations, applied once."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from standardwebhooks import Webhook

from server.mirror.delivery import MirrorDelivery
from server.mirror.models import Mirror, Origin, OutboxEvent
from server.tickets.models import CommentSource, EventKind, TicketComment, TicketEvent
from tests.mirror.conftest import (
    DESK_ACCOUNT,
    EXPERT,
    INBOUND_SECRET,
    SCHOOL,
    Life,
    itop_desk,
    set_desk,
    webhook_desk,
)
from tests.support.slow_itop import SlowItop


def signed(event: dict, *, secret: str = INBOUND_SECRET, msg_id: str | None = None,
           when: datetime | None = None) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(event)
    msg_id = msg_id or f"desk-{uuid.uuid4()}"
    when = (when or datetime.now(UTC)).replace(microsecond=0)
    headers = {"webhook-id": msg_id, "webhook-timestamp": str(int(when.timestamp())),
               "webhook-signature": Webhook(secret).sign(msg_id, when, body),
               "content-type": "application/json"}
    return body.encode(), headers


async def post(client, event: dict, **kwargs) -> tuple[int, dict]:
    body, headers = signed(event, **kwargs)
    response = await client.post(f"/hooks/desks/{SCHOOL}", content=body, headers=headers)
    return response.status_code, response.json()


async def public_comments(session, ticket_id: int) -> list[TicketComment]:
    rows = await session.scalars(select(TicketComment).where(TicketComment.ticket_id == ticket_id)
                                 .order_by(TicketComment.id))
    return list(rows)


async def group_events(session, ticket_id: int) -> list[str]:
    rows = await session.scalars(select(OutboxEvent.kind).where(
        OutboxEvent.ticket_id == ticket_id, OutboxEvent.origin == Origin.GROUP).order_by(OutboxEvent.id))
    return list(rows)


async def on_hold(session, life: Life, itop: SlowItop) -> None:
    await set_desk(session, SCHOOL, itop_desk(itop.url))
    await life.open()
    await life.act(EXPERT, "START")
    await life.act(EXPERT, "HOLD", reason="Which workshop?")


async def test_an_answer_from_the_desk_resumes_the_ticket_once_even_if_sent_twice(
        session, life: Life, itop: SlowItop, client) -> None:
    await on_hold(session, life, itop)
    ref = (await life.ticket()).ref
    event = {"type": "ticket.commented",
             "data": {"group_ref": ref, "message": "Chimie L1.", "author": "Camille Durand"}}
    body, headers = signed(event)
    first = await client.post(f"/hooks/desks/{SCHOOL}", content=body, headers=headers)
    again = await client.post(f"/hooks/desks/{SCHOOL}", content=body, headers=headers)
    assert first.status_code == again.status_code == 200
    assert (first.json()["status"], first.json()["effect"]) == ("applied", "answered")
    assert again.json()["status"] == "duplicate"
    ticket = await life.ticket()
    assert ticket.state.value == "IN_PROGRESS"
    [comment] = [c for c in await public_comments(session, ticket.id) if c.source is CommentSource.DESK]
    assert comment.body.startswith("Chimie L1.") and "Camille Durand" in comment.body


async def test_what_came_from_the_desk_is_never_sent_back_to_it(
        session, life: Life, itop: SlowItop, client, delivery: MirrorDelivery) -> None:
    await on_hold(session, life, itop)
    await delivery.deliver(life.ticket_id)
    before = await group_events(session, life.ticket_id)
    status, _ = await post(client, {"type": "ticket.commented",
                                    "data": {"group_ref": (await life.ticket()).ref,
                                             "message": "Chimie L1."}})
    assert status == 200
    # Only the state goes back: the local ticket leaves `pending`; the answer's text stays home.
    assert await group_events(session, life.ticket_id) == [*before, "ticket.resynced"]
    desk_rows = await session.scalar(select(func.count()).where(
        OutboxEvent.ticket_id == life.ticket_id, OutboxEvent.origin == Origin.DESK,
        OutboxEvent.delivered_at.is_not(None)))
    assert desk_rows == 1  # recorded as the answer, already "delivered": it is the desk's own
    assert (await delivery.deliver(life.ticket_id)).delivered == 1
    local = itop.tickets_titled(f"[{(await life.ticket()).ref}]")[0]
    assert local["status"] == "assigned"
    assert not any("Chimie L1." in entry for entry in itop.public_log(local["ref"]))


async def test_a_bad_signature_is_refused_and_changes_nothing(session, life: Life, itop: SlowItop,
                                                              client) -> None:
    await on_hold(session, life, itop)
    event = {"type": "ticket.commented",
             "data": {"group_ref": (await life.ticket()).ref, "message": "forged"}}
    wrong = await post(client, event, secret="whsec_" + "d3Jvbmctc2VjcmV0LWZvci10ZXN0cw==")
    stale = await post(client, event, when=datetime.now(UTC) - timedelta(hours=1))
    assert wrong[0] == stale[0] == 401
    assert "signature" in wrong[1]["error"]
    assert [c.body for c in await public_comments(session, life.ticket_id)] == []
    assert (await life.ticket()).state.value == "PENDING"


async def test_unknown_school_or_school_without_inbound_secret_is_404(
        session, life: Life, client, receiver) -> None:
    body, headers = signed({"type": "ticket.closed", "data": {"group_ref": "GRP-2026-000001"}})
    assert (await client.post("/hooks/desks/no-such-school", content=body,
                              headers=headers)).status_code == 404
    assert (await client.post("/hooks/desks/insa-cvl", content=body, headers=headers)).status_code == 404


async def test_local_closure_closes_a_resolved_ticket_and_only_notes_an_open_one(
        session, life: Life, itop: SlowItop, client) -> None:
    await on_hold(session, life, itop)
    ref = (await life.ticket()).ref
    status, body = await post(client, {"type": "ticket.closed", "data": {"group_ref": ref}})
    assert (status, body["effect"]) == (200, "noted")
    assert (await life.ticket()).state.value == "PENDING"
    # INSA Lyon reads French: the note it leaves on the group ticket is in French.
    note = await session.scalar(select(TicketComment.body).where(TicketComment.ticket_id == life.ticket_id)
                                .order_by(TicketComment.id.desc()).limit(1))
    assert note.startswith("L'école a clos son ticket local")
    await life.act(EXPERT, "RESOLVE", solution="Done.")
    status, body = await post(client, {"type": "ticket.closed", "data": {"group_ref": ref}})
    assert (status, body["effect"]) == (200, "closed")
    assert (await life.ticket()).state.value == "CLOSED"
    # The group closed because the desk did: nothing to tell the desk about its own closure.
    assert (await group_events(session, life.ticket_id))[-1] == "ticket.resolved"


async def test_a_local_resolution_tells_the_experts_without_claiming_the_school_closed_anything(
        session, life: Life, itop: SlowItop, client) -> None:
    await on_hold(session, life, itop)
    ticket = await life.ticket()
    status, body = await post(client, {"type": "ticket.resolved", "data": {
        "group_ref": ticket.ref, "message": "Fixed the quota ourselves.", "author": "Sacha Morel"}})
    assert (status, body["effect"]) == (200, "resolved locally")
    assert (await life.ticket()).state.value == "PENDING"  # the experts decide
    kinds = list(await session.scalars(select(TicketEvent.kind).where(TicketEvent.ticket_id == ticket.id)
                                       .order_by(TicketEvent.id)))
    assert kinds[-1] is EventKind.RESOLVED_LOCALLY
    event = await session.scalar(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)
                                 .order_by(TicketEvent.id.desc()).limit(1))
    assert event.data == {"message": "Fixed the quota ourselves.", "author": "Sacha Morel"}
    assert not [c for c in await public_comments(session, ticket.id) if "clos" in c.body]


async def test_a_hook_without_group_ref_finds_the_ticket_by_its_local_ref_and_keeps_the_closing_words(
        session, life: Life, itop: SlowItop, client, delivery: MirrorDelivery) -> None:
    await on_hold(session, life, itop)
    await delivery.deliver(life.ticket_id)
    mirror = await session.scalar(select(Mirror).where(Mirror.ticket_id == life.ticket_id))
    status, body = await post(client, {"type": "ticket.closed", "data": {
        "local_ref": mirror.remote_ref, "message": "Duplicate of R-000012."}})
    assert (status, body["effect"], body["group_ref"]) == (200, "noted", (await life.ticket()).ref)
    note = await session.scalar(select(TicketComment.body).where(TicketComment.ticket_id == life.ticket_id)
                                .order_by(TicketComment.id.desc()).limit(1))
    assert "Duplicate of R-000012." in note
    await session.refresh(mirror)
    assert mirror.local_closed
    status, _ = await post(client, {"type": "ticket.closed", "data": {"local_ref": "R-999999"}})
    assert status == 404


async def test_another_schools_ticket_is_not_found_for_a_desk(session, life: Life, client, gql) -> None:
    await set_desk(session, "insa-rennes", None)
    await life.open()
    ref = (await life.ticket()).ref
    gid = (await gql("query($r: String!) { ticketByRef(ref: $r) { id } }", {"r": ref},
                     as_user="amandine.roclerc"))["ticketByRef"]["id"]
    other = await gql("""mutation($id: ID!) { addDeskComment(ticketId: $id, message: "hi") {
        __typename } }""", {"id": gid}, as_user="glpi.insa-rennes")
    assert other["addDeskComment"]["__typename"] == "NotFound"


async def test_desk_account_links_the_local_ref_and_comments_over_graphql_once(
        session, life: Life, receiver, gql) -> None:
    await set_desk(session, SCHOOL, webhook_desk(receiver.url))
    await life.open()
    ref = (await life.ticket()).ref
    gid = (await gql("query($r: String!) { ticketByRef(ref: $r) { id } }", {"r": ref},
                     as_user=DESK_ACCOUNT))["ticketByRef"]["id"]
    linked = await gql("""mutation($id: ID!) { linkLocalTicket(ticketId: $id, localRef: "R-000777") {
        ... on Ticket { localRef mirror { remoteRef status } } ... on Problem { message } } }""",
                       {"id": gid}, as_user=DESK_ACCOUNT)
    assert linked["linkLocalTicket"]["localRef"] == "R-000777"
    assert linked["linkLocalTicket"]["mirror"]["remoteRef"] == "R-000777"
    comment = """mutation($id: ID!) { addDeskComment(ticketId: $id, message: "Seen on our side.",
        eventId: "itop-change-42") { __typename ... on Ticket { comments { edges { node { body } } } } } }"""
    first = await gql(comment, {"id": gid}, as_user=DESK_ACCOUNT)
    again = await gql(comment, {"id": gid}, as_user=DESK_ACCOUNT)
    assert first == again
    assert [c["node"]["body"] for c in first["addDeskComment"]["comments"]["edges"]] == ["Seen on our side."]
    refused = await gql("""mutation($id: ID!) { addDeskComment(ticketId: $id, message: "x") {
        __typename } }""", {"id": gid}, as_user="amandine.roclerc")
    assert refused["addDeskComment"]["__typename"] == "PermissionDenied"
