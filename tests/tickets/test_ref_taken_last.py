"""An opening takes its ref number last on PostgreSQL, and every row it wrote carries the real ref.

The ref counter's row is locked from the number's upsert to COMMIT, and every opening needs it: on
PostgreSQL the opening writes under a provisional ref, then one last statement takes the number and
writes the ref where the provisional one was (server.tickets.refs.settle).
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Table, event, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import Base
from server.mirror.models import OutboxEvent
from server.notify.models import MailOutbox, Notification
from server.tickets.models import EventKind, Ticket, TicketEvent
from server.tickets.refs import PROVISIONAL, REF
from server.tickets.service import open_ticket
from tests.tickets.helpers import (
    ACCOUNT_CREATION,
    ACCOUNT_REQUEST,
    LYON_AGENT,
    gid,
    principal,
    sub_service_id,
)
from tests.tickets.test_statement_count import counting

OPEN = """mutation($input: OpenTicketInput!) { openTicket(input: $input) {
  __typename ... on Ticket { ref } } }"""


def _tables_of_a_ticket() -> list[Table]:
    return [t for t in Base.metadata.sorted_tables if "ticket_id" in t.c]


async def test_every_row_an_opening_writes_carries_its_real_ref(session: AsyncSession) -> None:
    ticket = await open_ticket(session, actor=await principal(session, LYON_AGENT),
                               sub_service_id=await sub_service_id(session, ACCOUNT_CREATION),
                               title="Ref everywhere", request_data=ACCOUNT_REQUEST,
                               requester_email="someone@example.org")
    assert REF.match(ticket.ref), ticket.ref
    session.expunge_all()  # what the database holds
    assert (await session.get(Ticket, ticket.id)).ref == ticket.ref  # type: ignore[union-attr]
    opened = await session.scalar(select(TicketEvent).where(
        TicketEvent.ticket_id == ticket.id, TicketEvent.kind == EventKind.OPENED))
    assert opened is not None and opened.data["ref"] == ticket.ref
    outbox = list(await session.scalars(select(OutboxEvent).where(OutboxEvent.ticket_id == ticket.id)))
    assert outbox and {o.payload["ticket"]["group_ref"] for o in outbox} == {ticket.ref}
    notes = list(await session.scalars(select(Notification).where(Notification.ticket_id == ticket.id)))
    assert notes and {n.data["ref"] for n in notes} == {ticket.ref}
    mails = list(await session.scalars(select(MailOutbox).where(MailOutbox.ticket_id == ticket.id)))
    assert mails and {m.payload["ref"] for m in mails} == {ticket.ref}
    # And nowhere a provisional ref left behind, whatever table holds the ticket's rows.
    for table in [Ticket.__table__, *_tables_of_a_ticket()]:
        key = table.c.id if table is Ticket.__table__ else table.c.ticket_id
        rows = (await session.execute(select(table).where(key == ticket.id))).all()
        assert PROVISIONAL not in repr(rows), table.name


async def test_the_rows_the_session_holds_carry_the_real_ref_too(session: AsyncSession) -> None:
    added: list[Any] = []  # kept here: the session's identity map holds its rows weakly

    def keep(_session: Any, obj: Any) -> None:
        added.append(obj)

    for name in ("transient_to_pending", "detached_to_persistent"):
        event.listen(session.sync_session, name, keep)
    ticket = await open_ticket(session, actor=await principal(session, LYON_AGENT),
                               sub_service_id=await sub_service_id(session, ACCOUNT_CREATION),
                               title="In memory", request_data=ACCOUNT_REQUEST)
    held = [o for o in added if isinstance(o, TicketEvent | OutboxEvent)]
    assert {type(o) for o in held} == {TicketEvent, OutboxEvent}
    carried = repr([(getattr(o, "data", None), getattr(o, "payload", None)) for o in held])
    assert PROVISIONAL not in carried and ticket.ref in carried


@pytest.mark.postgres
async def test_on_postgres_the_number_is_the_openings_last_statement(client, token_for, engine,
                                                                   session) -> None:
    sub = gid("SubService", await sub_service_id(session, ACCOUNT_CREATION))
    token = token_for(LYON_AGENT)
    inp = {"subServiceId": sub, "title": "Last", "requestData": ACCOUNT_REQUEST}
    await client.post("/graphql", json={"query": OPEN, "variables": {"input": inp}},
                      headers={"Authorization": f"Bearer {token}"})  # the token becomes known
    with counting(engine) as sent:
        response = await client.post("/graphql", json={"query": OPEN, "variables": {"input": inp}},
                                     headers={"Authorization": f"Bearer {token}"})
    assert REF.match(response.json()["data"]["openTicket"]["ref"]), response.text
    taken = next(i for i, s in enumerate(sent) if "ticket_counter" in s)
    # After it, only the live bus's NOTIFY, sent as the transaction commits.
    assert all("pg_notify" in s for s in sent[taken + 1:]), "\n".join(sent[taken:])
    assert any(s.lstrip().upper().startswith("INSERT INTO TICKET ") for s in sent[:taken])
    assert (await session.execute(text("SELECT count(*) FROM ticket WHERE ref LIKE :p"),
                                  {"p": PROVISIONAL + "%"})).scalar() == 0
