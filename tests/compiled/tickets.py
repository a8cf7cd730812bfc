"""The data the compiled-execution tests read: the policy matrix's world plus tickets in every state.

Tickets at two schools, assigned and queued, escalated, resolved, with optional fields set and
unset, one on a retired sub-service, and equal creation times (ties broken by id), so orders,
filters, visibility and nulls are all exercised; most have public and internal comments and
history events (some by nobody), a few none, so to-many lists, their pages and the internal
rows' visibility are too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

from server.catalog.models import Priority, Service, SubService
from server.cursors import encode_cursor
from server.tickets.models import (
    CommentSource,
    EventKind,
    Ticket,
    TicketComment,
    TicketEvent,
    Visibility,
)
from server.tickets.ordering import Direction, OrderField, TicketOrder
from server.tickets.workflow import TicketState
from tests.policy.world import build_world
from tests.tickets.helpers import (
    ACCOUNT_CREATION,
    LYON_AGENT,
    LYON_EXPERT,
    MODEL_UPGRADE,
    PROJECT_FOLDER,
    RENNES_AGENT,
    ROUEN_EXPERT,
    STRASBOURG_EXPERT,
    sub_service_id,
    tenant_id,
    user_id,
)

STATES = list(TicketState)


@dataclass(frozen=True)
class Scene:
    ids: dict[str, str]
    cursors: list[str]


async def build_scene(session: AsyncSession) -> Scene:
    world = await build_world(session)
    subs = [await session.get(SubService, await sub_service_id(session, p))
            for p in (ACCOUNT_CREATION, PROJECT_FOLDER, MODEL_UPGRADE)]
    services = [await session.get(Service, s.service_id) for s in subs if s is not None]
    schools = {s: await tenant_id(session, s) for s in ("insa-lyon", "insa-rennes")}
    people = {u: await user_id(session, u) for u in (
        LYON_AGENT, RENNES_AGENT, ROUEN_EXPERT, LYON_EXPERT, STRASBOURG_EXPERT)}
    experts = (ROUEN_EXPERT, STRASBOURG_EXPERT, LYON_EXPERT)
    base = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)
    tickets = []
    for n, state in enumerate(STATES * 2):
        k = n % 3
        sub, service = subs[k], services[k]
        assert sub is not None and service is not None
        school, opener = ("insa-lyon", LYON_AGENT) if n % 2 else ("insa-rennes", RENNES_AGENT)
        queued = state in (TicketState.NEW, TicketState.APPROVED, TicketState.WAITING_FOR_APPROVAL,
                           TicketState.REJECTED)
        done = state in (TicketState.RESOLVED, TicketState.CLOSED)
        created = base + dt.timedelta(hours=n // 3)  # three tickets share each time
        tickets.append(Ticket(
            ref=f"GRP-1997-{n:06d}", tenant_id=schools[school], opened_by_id=people[opener],
            sub_service_id=sub.id, service_id=service.id, brick_id=service.brick_id,
            title=f"Differential {n}", description="account trouble" if n % 4 else "",
            priority=list(Priority)[n % 4], state=state, request_data={"n": n, "tags": ["a"]},
            local_ref=f"R-{n:06d}" if n % 3 == 0 else None,
            requester_name="A teacher" if n % 2 else None,
            requester_email="teacher@insa-lyon.example.org" if n % 5 == 0 else None,
            assignee_id=None if queued else people[experts[k]],
            assigned_at=None if queued else created, escalation_level=n % 3 if n % 4 == 1 else 0,
            solution="Restarted the service." if done else None, version=1 + n % 2,
            created_at=created, updated_at=created + dt.timedelta(minutes=n),
            resolved_at=created if done else None,
            closed_at=created if state is TicketState.CLOSED else None,
            # Automation reported on every third ticket, an error on every sixth.
            fulfilment_system="SCCM" if n % 3 == 1 else None,
            fulfilment_status=("DEPLOYMENT_ERROR" if n % 6 == 1 else "DONE") if n % 3 == 1 else None,
            fulfilment_error=n % 6 == 1 if n % 3 == 1 else None,
            fulfilment_message="Exit code 1603" if n % 6 == 1 else None,
            fulfilment_updated_at=created if n % 3 == 1 else None))
    session.add_all(tickets)
    await session.flush()
    for n, ticket in enumerate(tickets):
        if n % 4 == 3:
            continue  # no comments, no history
        expert = people[experts[n % 3]]
        session.add_all([
            TicketComment(ticket_id=ticket.id, author_id=ticket.opened_by_id, body=f"Public {n}",
                          visibility=Visibility.PUBLIC, created_at=ticket.created_at),
            TicketComment(ticket_id=ticket.id, author_id=expert, body=f"Internal {n}",
                          visibility=Visibility.INTERNAL, source=CommentSource.GROUP,
                          created_at=ticket.created_at),
            *([TicketComment(ticket_id=ticket.id, author_id=None, body=f"From the desk {n}",
                             visibility=Visibility.PUBLIC, source=CommentSource.DESK,
                             created_at=ticket.created_at)] if n % 2 else []),
            TicketEvent(ticket_id=ticket.id, kind=EventKind.OPENED, actor_id=ticket.opened_by_id,
                        visibility=Visibility.PUBLIC, data={"n": n}, created_at=ticket.created_at),
            TicketEvent(ticket_id=ticket.id, kind=EventKind.ROUTED, actor_id=None,
                        visibility=Visibility.INTERNAL, data={"to": expert},
                        created_at=ticket.created_at),
        ])
    # A ticket keeps naming the sub-service it was opened on once that is retired.
    await session.execute(update(SubService).where(SubService.id == subs[2].id).values(active=False))
    await session.flush()
    await session.commit()
    orders = [TicketOrder(), TicketOrder(field=OrderField.PRIORITY, direction=Direction.ASC)]
    cursors = [encode_cursor(order, t) for order in orders for t in tickets[:3]]
    return Scene(ids={"lyon": world.lyon, "ticket": world.ticket, "ref": world.ticket_ref,
                      "missing": relay.to_base64("Ticket", 987654)}, cursors=cursors)
