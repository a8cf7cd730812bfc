"""What an opening writes through its tables rather than the ORM's unit of work, and that it is all
there: the ticket (server.tickets.inserts), its outbox rows and new mirror gathered and written
once (server.mirror.outbox.gathering), its notifications and mails (one statement on PostgreSQL).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.mirror.models import Mirror, MirrorStatus, OutboxEvent
from server.notify.models import MailOutbox, Notification
from server.tickets.models import SlaState, Ticket
from server.tickets.service import open_ticket
from server.tickets.workflow import TicketState
from tests.tickets.helpers import ACCOUNT_CREATION, ACCOUNT_REQUEST, LYON_AGENT, principal, sub_service_id
from tests.tickets.test_statement_count import counting


def _inserts_into(statements: list[str], table: str) -> list[str]:
    return [s for s in statements if f"INSERT INTO {table} " in s]


async def test_an_opening_writes_its_rows_in_few_statements_and_all_of_them(
        session: AsyncSession, engine, backend: str) -> None:
    actor = await principal(session, LYON_AGENT)
    sub = await sub_service_id(session, ACCOUNT_CREATION)
    with counting(engine) as sent:
        ticket = await open_ticket(session, actor=actor, sub_service_id=sub, title="Written once",
                                   request_data=ACCOUNT_REQUEST, local_ref="LOC-77")
    ticket_id, ref = ticket.id, ticket.ref
    # The ticket in one INSERT, never updated by a flush afterwards (its ref is settled apart).
    assert len(_inserts_into(sent, "ticket")) == 1
    assert not [s for s in sent if s.startswith("UPDATE ticket ")], sent
    if backend == "postgres":
        # The outbox rows of OPENED and ASSIGNED with the new mirror: one statement; the
        # notifications and the mails of the routing: one statement.
        (outbox,) = _inserts_into(sent, "outbox_event")
        assert "INSERT INTO mirror " in outbox
        (people,) = [s for s in sent if "INSERT INTO notification " in s]
        assert "INSERT INTO mail_outbox " in people
    session.expunge_all()  # what the database holds
    stored = await session.get(Ticket, ticket_id)
    assert stored is not None and stored.ref == ref and stored.version == 1
    assert stored.state is TicketState.ASSIGNED and stored.sla_state is SlaState.OK
    assert stored.description == "" and stored.escalation_level == 0
    rows = list(await session.scalars(select(OutboxEvent).where(OutboxEvent.ticket_id == ticket_id)
                                      .order_by(OutboxEvent.id)))
    # In the order of the events, each carrying the real ref.
    assert [r.kind for r in rows] == ["ticket.opened", "ticket.assigned"], [r.kind for r in rows]
    assert {r.payload["ticket"]["group_ref"] for r in rows} == {ref}
    mirror = await session.scalar(select(Mirror).where(Mirror.ticket_id == ticket_id))
    # The local ref links the gathered mirror before it is written: no second local ticket.
    assert mirror is not None and mirror.status is MirrorStatus.PENDING
    assert mirror.remote_id == mirror.remote_ref == "LOC-77"
    notes = list(await session.scalars(select(Notification).where(Notification.ticket_id == ticket_id)))
    mails = list(await session.scalars(select(MailOutbox).where(MailOutbox.ticket_id == ticket_id)))
    assert notes and mails
    assert {n.data["ref"] for n in notes} == {m.payload["ref"] for m in mails} == {ref}
    assert all(n.created_at == stored.created_at for n in notes)


async def test_the_outbox_rows_written_at_once_are_rows_of_the_session(session: AsyncSession) -> None:
    added: list[Any] = []  # kept here: the session's identity map holds its rows weakly

    def keep(_session: Any, obj: Any) -> None:
        added.append(obj)

    event.listen(session.sync_session, "detached_to_persistent", keep)
    ticket = await open_ticket(session, actor=await principal(session, LYON_AGENT),
                               sub_service_id=await sub_service_id(session, ACCOUNT_CREATION),
                               title="Held rows", request_data=ACCOUNT_REQUEST)
    held = [o for o in added if isinstance(o, OutboxEvent)]
    assert [o.kind for o in held] == ["ticket.opened", "ticket.assigned"]
    assert held[0].id < held[1].id and all(o in session for o in held)
    # Persistent and clean: the next flush writes nothing of them again.
    assert not session.dirty and not session.new
    assert ticket in added and await session.get(Ticket, ticket.id) is ticket
