"""The live filters agree with the queries: `in_queue` with myQueue's SQL, `sees` and `matches` with
the `tickets` list's, for every demo caller, over tickets in many states, on both databases."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.catalog.models import Priority
from server.live import visibility
from server.live.publish import facts_of
from server.pagination import PageArgs
from server.tickets import actions, listing, queue, service
from server.tickets.models import Ticket
from server.tickets.workflow import TicketState
from tests.tickets.helpers import (
    ACCOUNT_CREATION,
    ACCOUNT_REQUEST,
    ADMIN,
    CVL_EXPERT,
    HDF_EXPERT,
    LYON_AGENT,
    LYON_EXPERT,
    LYON_MANAGER,
    OPERATIONS,
    RENNES_AGENT,
    RENNES_EXPERT,
    ROLE_CHANGE,
    ROUEN_EXPERT,
    STRASBOURG_EXPERT,
    SYNC_ERROR,
    SYNC_REQUEST,
    principal,
    sub_service_id,
    user_id,
)

CALLERS = [ADMIN, OPERATIONS, LYON_AGENT, LYON_MANAGER, LYON_EXPERT, ROUEN_EXPERT, RENNES_AGENT,
           RENNES_EXPERT, STRASBOURG_EXPERT, CVL_EXPERT, HDF_EXPERT]


async def _tickets(session: AsyncSession) -> list[int]:
    """Tickets queued, assigned, in progress, waiting, resolved, awaiting approval, at two schools."""
    agent, rennes = await principal(session, LYON_AGENT), await principal(session, RENNES_AGENT)
    admin, rouen = await principal(session, ADMIN), await principal(session, ROUEN_EXPERT)
    account = await sub_service_id(session, ACCOUNT_CREATION)
    opened = [await service.open_ticket(session, actor=agent, sub_service_id=account, title=f"t{i}",
                                        request_data=ACCOUNT_REQUEST) for i in range(4)]
    opened.append(await service.open_ticket(session, actor=rennes, sub_service_id=await sub_service_id(
        session, SYNC_ERROR), title="sync", request_data=SYNC_REQUEST, priority=Priority.HIGH))
    opened.append(await service.open_ticket(session, actor=agent, sub_service_id=await sub_service_id(
        session, ROLE_CHANGE), title="approval", request_data={
            "account_email": "lead@insa-lyon.example.org", "platform": "scenari-pedagogie",
            "new_role": "publisher"}))
    first, second, third, _, sync, _ = opened
    await actions.perform(session, actor=rouen, ticket_id=first.id, action="START", expected_version=None)
    await actions.perform(session, actor=rouen, ticket_id=first.id, action="HOLD", expected_version=None,
                          reason="?")
    await actions.perform(session, actor=rouen, ticket_id=second.id, action="RESOLVE", expected_version=None,
                          solution="done")
    await actions.perform(session, actor=admin, ticket_id=third.id, action="ASSIGN", expected_version=None,
                          assignee_id=await user_id(session, STRASBOURG_EXPERT))
    # A queued ticket nobody took: back to NEW, unassigned, as when no expert was designated.
    sync.state, sync.assignee_id = TicketState.NEW, None
    await session.flush()
    return [t.id for t in opened]


FILTERS = [
    listing.TicketFilter(),
    listing.TicketFilter(states=frozenset({TicketState.PENDING, TicketState.NEW})),
    listing.TicketFilter(unassigned=True),
    listing.TicketFilter(unassigned=False, priorities=frozenset({Priority.NORMAL})),
    listing.TicketFilter(created_after=dt.datetime(2000, 1, 1, tzinfo=dt.UTC),
                         updated_before=dt.datetime(2999, 1, 1, tzinfo=dt.UTC)),
    listing.TicketFilter(escalated=False, min_escalation_level=0),
]


async def test_in_queue_agrees_with_my_queue_and_matches_with_the_ticket_list(session: AsyncSession) -> None:
    ids = await _tickets(session)
    rows = {t.id: t for t in (await session.scalars(select(Ticket).where(Ticket.id.in_(ids)))).all()}
    facts = {i: facts_of(rows[i]) for i in ids}
    for username in CALLERS:
        p = await principal(session, username)
        in_sql = {t.id for t in (await queue.my_queue(session, viewer=p, page=PageArgs(first=100))).tickets}
        assert {i for i in ids if visibility.in_queue(p, facts[i])} == in_sql & set(ids), username
        for wanted in FILTERS:
            listed = {t.id for t in (await listing.list_tickets(session, viewer=p, filter=wanted,
                                                                page=PageArgs(first=100))).tickets}
            live = {i for i in ids if visibility.sees(p, facts[i]) and visibility.matches(wanted, facts[i])}
            assert live == listed & set(ids), (username, wanted)
