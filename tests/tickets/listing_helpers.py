"""Tickets written straight into the database with chosen fields, for list, search and paging tests.

Opening through the service routes and timestamps tickets itself; lists are tested on tickets
whose state, assignee, escalation and timestamps the test decides.
"""

from __future__ import annotations

import datetime as dt
import itertools

from sqlalchemy.ext.asyncio import AsyncSession

from server.catalog.models import Priority, Service, SubService
from server.db import utcnow
from server.tickets.models import Ticket, TicketComment, Visibility
from server.tickets.workflow import TicketState
from tests.tickets.helpers import ACCOUNT_CREATION, LYON_AGENT, sub_service_id, tenant_id, user_id

# Refs in a year no real ticket uses, unique across the whole test session.
_numbers = itertools.count(1)
BASE_TIME = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


async def insert_ticket(session: AsyncSession, *, title: str = "Ticket",
                        path: tuple[str, str, str] = ACCOUNT_CREATION, school: str = "insa-lyon",
                        opened_by: str = LYON_AGENT, description: str = "",
                        priority: Priority = Priority.NORMAL,
                        state: TicketState = TicketState.NEW, assignee: str | None = None,
                        escalation_level: int = 0, created_at: dt.datetime | None = None,
                        updated_at: dt.datetime | None = None) -> Ticket:
    sub = await session.get(SubService, await sub_service_id(session, path))
    assert sub is not None
    service = await session.get(Service, sub.service_id)
    assert service is not None
    created = created_at or utcnow()
    ticket = Ticket(
        ref=f"GRP-2000-{next(_numbers):06d}", tenant_id=await tenant_id(session, school),
        opened_by_id=await user_id(session, opened_by), sub_service_id=sub.id,
        service_id=service.id, brick_id=service.brick_id, title=title, description=description,
        priority=priority, state=state, request_data={},
        assignee_id=await user_id(session, assignee) if assignee else None,
        escalation_level=escalation_level, version=1, created_at=created,
        updated_at=updated_at or created)
    session.add(ticket)
    await session.flush()
    return ticket


async def insert_comment(session: AsyncSession, ticket: Ticket, body: str, *, author: str,
                         visibility: Visibility = Visibility.PUBLIC) -> TicketComment:
    comment = TicketComment(ticket_id=ticket.id, author_id=await user_id(session, author),
                            body=body, visibility=visibility)
    session.add(comment)
    await session.flush()
    return comment
