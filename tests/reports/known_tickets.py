"""Seven tickets in March 2020 with hand-computed figures: the fixture `stats` is checked against.

Lyon: T1 closed, T2 resolved late, T3 taken late and escalated, T4 rejected, T5 opened in February
and resolved in March. Rennes: T6 resolved within its targets, T7 new on another brick. Every
expected figure in tests/reports is worked out from the table below, by hand, in the comments.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.catalog.models import Brick, Priority, Service, SubService
from server.identity.models import User
from server.sla.models import SlaLevel, SlaTarget, TicketEscalation
from server.tickets.models import Ticket
from server.tickets.workflow import TicketState
from tests.support.principals import tenant_id

MARCH = (dt.datetime(2020, 3, 1, tzinfo=dt.UTC), dt.datetime(2020, 4, 1, tzinfo=dt.UTC))
YEAR = (dt.datetime(2020, 1, 1, tzinfo=dt.UTC), dt.datetime(2021, 1, 1, tzinfo=dt.UTC))
# Monday 2 March to Monday 9 March 2020.
FIRST_WEEK = (dt.datetime(2020, 3, 2, tzinfo=dt.UTC), dt.datetime(2020, 3, 9, tzinfo=dt.UTC))


def at(day: str, hour: str = "08:00") -> dt.datetime:
    return dt.datetime.fromisoformat(f"2020-{day}T{hour}:00+00:00")


@dataclass
class Known:
    lyon: int
    rennes: int
    scenari: int
    creation: int      # Scenari > Account management > Account creation
    failure: int       # Scenari > Publishing > Publication failure
    elsewhere: int     # a sub-service of another brick
    lyon_expert: int
    rennes_expert: int
    tickets: dict[str, int]


async def _sub_service(session: AsyncSession, name: str) -> SubService:
    found = await session.scalar(select(SubService).where(SubService.name == name))
    assert found is not None
    return found


async def _user(session: AsyncSession, username: str) -> int:
    found = await session.scalar(select(User.id).where(User.username == username))
    assert found is not None
    return found


async def load_known_tickets(session: AsyncSession) -> Known:
    scenari = await session.scalar(select(Brick.id).where(Brick.code == "scenari"))
    creation = await _sub_service(session, "Account creation")
    failure = await _sub_service(session, "Publication failure")
    other = await session.scalar(select(SubService).join(Service).where(Service.brick_id != scenari)
                                 .order_by(SubService.id).limit(1))
    assert scenari is not None and other is not None
    known = Known(lyon=await tenant_id(session, "insa-lyon"), rennes=await tenant_id(session, "insa-rennes"),
                  scenari=scenari, creation=creation.id, failure=failure.id, elsewhere=other.id,
                  lyon_expert=await _user(session, "celeste.morvandieu"),
                  rennes_expert=await _user(session, "fanny.lestrehan"), tickets={})
    opener = {known.lyon: await _user(session, "amandine.roclerc"),
              known.rennes: await _user(session, "dorian.kerhoual")}
    places = {s.id: (s.id, s.service_id) for s in (creation, failure, other)}
    brick_of = {creation.id: scenari, failure.id: scenari, other.id: (await session.get(Service, other.service_id)).brick_id}  # type: ignore[union-attr]
    N = Priority.NORMAL
    rows = [
        # name, school, sub-service, priority, state, created, taken, take business s., resolved,
        # resolve business s., closed, updated, take target, resolve target, assignee
        ("T1", known.lyon, creation.id, N, TicketState.CLOSED, at("03-02"), at("03-02", "09:00"), 3600,
         at("03-02", "12:00"), 14400, at("03-05", "10:00"), at("03-05", "10:00"), 14400, 81000, known.lyon_expert),
        ("T2", known.lyon, creation.id, N, TicketState.RESOLVED, at("03-03"), at("03-03", "10:00"), 7200,
         at("03-04"), 32400, None, at("03-04"), 14400, 30000, known.lyon_expert),
        ("T3", known.lyon, failure.id, Priority.HIGH, TicketState.IN_PROGRESS, at("03-10"),
         at("03-10", "12:00"), 14400, None, None, None, at("03-10", "12:00"), 3600, 25200, known.lyon_expert),
        ("T4", known.lyon, creation.id, Priority.LOW, TicketState.REJECTED, at("03-20"), None, None,
         None, None, None, at("03-21"), None, None, None),
        ("T5", known.lyon, creation.id, N, TicketState.RESOLVED, at("02-20"), at("02-20", "09:00"), 3600,
         at("03-06"), 100000, None, at("03-06"), None, None, known.lyon_expert),
        ("T6", known.rennes, creation.id, N, TicketState.RESOLVED, at("03-04"), at("03-04", "08:30"), 1800,
         at("03-04", "09:30"), 5400, None, at("03-04", "09:30"), 14400, 81000, known.rennes_expert),
        ("T7", known.rennes, other.id, N, TicketState.NEW, at("03-05"), None, None, None, None, None,
         at("03-05"), None, None, None),
    ]
    for number, (name, school, sub, priority, state, created, taken, take_s, resolved, resolve_s,
                 closed, updated, take_target, resolve_target, assignee) in enumerate(rows, start=1):
        sub_id, service_id = places[sub]
        known.tickets[name] = (await session.execute(insert(Ticket).values(
            ref=f"GRP-2020-{900000 + number}", tenant_id=school, opened_by_id=opener[school],
            sub_service_id=sub_id, service_id=service_id, brick_id=brick_of[sub], title=name,
            priority=priority, state=state, created_at=created, updated_at=updated, taken_at=taken,
            take_business_seconds=take_s, resolved_at=resolved, resolve_business_seconds=resolve_s,
            closed_at=closed, take_target_seconds=take_target, resolve_target_seconds=resolve_target,
            assignee_id=assignee, assigned_at=taken).returning(Ticket.id))).scalar_one()
    await session.execute(insert(TicketEscalation).values(
        ticket_id=known.tickets["T3"], target=SlaTarget.TAKE, level=SlaLevel.BREACHED,
        elapsed_business_seconds=3600.0, due_at=at("03-10", "09:00"), created_at=at("03-10", "09:00")))
    await session.flush()
    return known
