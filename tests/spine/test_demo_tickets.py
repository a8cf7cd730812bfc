"""The demo tickets: one in every state, made by the real services, never twice, never in a used database."""

from __future__ import annotations

from sqlalchemy import func, select

from groupdesk.demo_tickets import DEMO_TICKETS, create_demo_tickets
from server.mirror.models import OutboxEvent
from server.tickets.models import Ticket, TicketEvent
from server.tickets.workflow import TicketState
from tests.tickets.helpers import ACCOUNT_CREATION, ACCOUNT_REQUEST, LYON_AGENT, principal, sub_service_id


async def _states(session) -> dict[str, int]:
    rows = await session.execute(select(Ticket.state, func.count()).group_by(Ticket.state))
    return {state.value: n for state, n in rows}


async def test_demo_tickets_cover_every_state_with_their_history_and_outbox(session) -> None:
    assert await create_demo_tickets(session) == len(DEMO_TICKETS)
    states = await _states(session)
    assert set(states) == {s.value for s in TicketState}
    assert sum(states.values()) == len(DEMO_TICKETS)
    # Real services wrote the story: an opening event per ticket and more for those that moved on.
    events = await session.scalar(select(func.count()).select_from(TicketEvent))
    assert events > 2 * len(DEMO_TICKETS)
    # Schools with a desk got their outbox rows in the same transactions.
    assert await session.scalar(select(func.count()).select_from(OutboxEvent)) > 0
    escalated = await session.scalar(select(Ticket).where(Ticket.escalation_level > 0))
    assert escalated is not None and escalated.state is TicketState.IN_PROGRESS


async def test_loading_the_demo_tickets_twice_creates_no_duplicates(session) -> None:
    await create_demo_tickets(session)
    assert await create_demo_tickets(session) == 0
    assert await session.scalar(select(func.count()).select_from(Ticket)) == len(DEMO_TICKETS)


async def test_a_database_with_tickets_gets_no_demo_tickets(session) -> None:
    from server.tickets.service import open_ticket

    await open_ticket(session, actor=await principal(session, LYON_AGENT),
                      sub_service_id=await sub_service_id(session, ACCOUNT_CREATION), title="Real work",
                      request_data=ACCOUNT_REQUEST)
    assert await create_demo_tickets(session) == 0
    assert await session.scalar(select(func.count()).select_from(Ticket)) == 1
