"""Demo tickets in every state, made by the real ticket services (development only, empty databases only).

The demo federation's people open, approve, reject, take, question, answer, resolve and close tickets
as they would through the API, so history, routing decisions and mirror outbox rows are all what
real work leaves. Nothing is written when the database already holds a ticket: loading twice
creates no duplicates, and a database in use is never touched.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from server.catalog.models import Brick, Service, SubService
from server.config import Settings
from server.identity.models import Tenant, User
from server.identity.principals import principal_of
from server.tickets import actions, approval, changes, comments
from server.tickets.models import Ticket
from server.tickets.service import open_ticket
from tenants.context import Principal

ASSIGNEE = "@assignee"  # in a step: whoever the routing chose


@dataclass(frozen=True)
class Step:
    """One thing a person does to the ticket: a workflow action, a comment, an escalation."""

    actor: str
    action: str  # a workflow Action, or COMMENT / ESCALATE
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DemoTicket:
    opener: str
    path: tuple[str, str, str]
    title: str
    description: str
    data: dict[str, Any]
    steps: tuple[Step, ...] = ()
    on_behalf_of: str | None = None


def _s(actor: str, action: str, **fields: Any) -> Step:
    return Step(actor, action, fields)


DEMO_TICKETS: tuple[DemoTicket, ...] = (
    # NEW: nobody is designated on ADE room bookings yet, so it waits in the queue.
    DemoTicket("amandine.roclerc", ("ade", "Room bookings", "Booking conflict"),
               "Amphi Gaston Berger booked twice on Thursday morning",
               "The Mechanics CM and a thesis defence both hold the hall from 8:00 to 10:00.",
               {"room": "Amphi Gaston Berger", "day": "2026-12-10"}),
    # WAITING_FOR_APPROVAL: a role change waits on the school's manager.
    DemoTicket("amandine.roclerc", ("scenari", "Account management", "Role change"),
               "Publisher rights for the Chemistry L1 lead author",
               "She now validates every module of the course before publication.",
               {"account_email": "claire.vernadet@insa-lyon.example.org", "platform": "scenari-pedagogie",
                "new_role": "publisher", "reason": "Lead author of the Chemistry L1 modules."}),
    # APPROVED: approved by the manager, queued because nobody covers room bookings yet.
    DemoTicket("dorian.kerhoual", ("ade", "Room bookings", "Recurring booking"),
               "Room B204 every Tuesday for the robotics club",
               "The club meets every Tuesday evening until the end of the semester.",
               {"room": "B204", "weekday": "tuesday", "until": "2027-01-30"},
               (_s("elodie.penhoaz", "APPROVE"),)),
    # REJECTED: the manager refuses, with the reason.
    DemoTicket("maelys.cazaubonne", ("visio", "Live events", "Large event support"),
               "Webinar for the open day, 1,500 viewers",
               "The communication office wants the open day presentation as a webinar.",
               {"event_name": "Open day 2027", "starts_at": "2027-02-06T10:00:00+01:00",
                "expected_audience": 1500, "streaming": True},
               (_s("nathan.peyrolade", "REJECT",
                   reason="The open day is streamed on Pod this year; ask the Pod experts instead."),)),
    # ASSIGNED: routed to the Pod expert, not started yet.
    DemoTicket("gaspard.vauquelard", ("pod", "Videos", "Encoding failure"),
               "Lecture video stuck in encoding since yesterday",
               "Uploaded after the Thermodynamics lecture; still 'encoding' 20 hours later.",
               {"video_url": "https://pod.insa-rouen.example.org/video/4821-thermo-cm3/",
                "duration_minutes": 95, "file_format": "mov"}),
    # IN_PROGRESS: the Compilatio expert works on it and left an internal note.
    DemoTicket("jules.ostermatt", ("compilatio", "Analyses", "Analysis stuck or failed"),
               "Master's thesis analysis waiting for three days",
               "The report never arrives; the defence is next week.",
               {"document_title": "Optimisation of a district heating network", "submitted_on": "2026-11-26",
                "from_moodle": True},
               (_s(ASSIGNEE, "START"),
                _s(ASSIGNEE, "COMMENT", body="The analysis queue is blocked on a 300-page PDF; purging it.",
                   visibility="INTERNAL"))),
    # PENDING: the expert asked the school a question.
    DemoTicket("paulin.verneuillet", ("messaging", "Mail", "Mail not delivered"),
               "Mail to the regional council bounces",
               "Every message to the council's partnership office comes back.",
               {"address": "partenariats@region-cvl.example.org", "sent_at": "2026-11-27T09:12:00+01:00"},
               (_s(ASSIGNEE, "START"),
                _s(ASSIGNEE, "HOLD", reason="Could you send the full bounce message, with its headers?"))),
    # RESOLVED (after a question and its answer): waits for the school to confirm.
    DemoTicket("amandine.roclerc", ("openmoodle", "Accounts", "Login problem"),
               "A teacher lands on an empty Moodle dashboard",
               "Since Monday she logs in and sees none of her courses.",
               {"account_email": "henri.castelnau@insa-lyon.example.org", "symptom": "duplicate-account"},
               (_s(ASSIGNEE, "START"),
                _s(ASSIGNEE, "HOLD", reason="Did she log in once with her old personal address?"),
                _s("amandine.roclerc", "ANSWER", message="Yes, last week, from the library computers."),
                _s(ASSIGNEE, "RESOLVE",
                   solution="The two accounts are merged; her courses are back on her dashboard."))),
    # CLOSED: resolved, confirmed by the school.
    DemoTicket("samuel.delabrouque", ("identity", "Sign-on", "Login refused"),
               "Exchange student refused by the library portal",
               "The portal answers 'attribute missing' after the school login.",
               {"account_email": "lukas.brenner@insa-hdf.example.org",
                "service_url": "https://bu.insa-hdf.example.org/",
                "error_message": "attribute missing: eduPersonAffiliation"},
               (_s(ASSIGNEE, "START"),
                _s(ASSIGNEE, "RESOLVE", solution="Exchange students now get the 'student' affiliation."),
                _s("samuel.delabrouque", "CLOSE"))),
    # Opened by the operations centre for a school, escalated, in progress.
    DemoTicket("xaviere.lamboulin", ("e-exams", "Exam sessions", "Incident during an exam"),
               "Candidates locked out of the Algorithmics exam",
               "Reported by phone by the exam room supervisor at 14:10.",
               {"exam_name": "Algorithmics S3", "affected_candidates": 42, "symptom": "locked-out"},
               (_s(ASSIGNEE, "START"),
                _s("xaviere.lamboulin", "ESCALATE", reason="The exam ends at 16:00 and 42 candidates wait."),
                _s(ASSIGNEE, "COMMENT", body="Candidates can restart: the exam key was rotated by mistake.")),
               on_behalf_of="insa-toulouse"),
)


class DemoError(Exception):
    """The demo file and these tickets disagree (a renamed user or sub-service)."""


async def _principal(session: AsyncSession, username: str) -> Principal:
    row = (await session.execute(select(User, Tenant).join(Tenant, User.tenant_id == Tenant.id)
                                 .where(User.username == username))).first()
    if row is None:
        raise DemoError(f"demo user {username} is not in the database: load the demo federation first")
    return await principal_of(session, row[0], row[1])


async def _sub_service_id(session: AsyncSession, path: tuple[str, str, str]) -> int:
    brick, service, sub = path
    found = await session.scalar(
        select(SubService.id).join(Service, Service.id == SubService.service_id)
        .join(Brick, Brick.id == Service.brick_id)
        .where(Brick.code == brick, Service.name == service, SubService.name == sub))
    if found is None:
        raise DemoError(f"demo sub-service {' > '.join(path)} is not in the catalogue")
    return found


async def _play(session: AsyncSession, ticket: Ticket, step: Step) -> None:
    if step.actor == ASSIGNEE:
        assignee = await session.get(User, ticket.assignee_id) if ticket.assignee_id else None
        if assignee is None:
            raise DemoError(f"demo ticket {ticket.title!r} has no assignee to act")
        actor = await _principal(session, assignee.username)
    else:
        actor = await _principal(session, step.actor)
    if step.action == "COMMENT":
        await comments.add_comment(session, actor=actor, ticket_id=ticket.id, **step.fields)
    elif step.action == "ESCALATE":
        await changes.escalate(session, actor=actor, ticket_id=ticket.id, expected_version=ticket.version,
                               **step.fields)
    elif step.action == "ANSWER":
        await actions.answer(session, actor=actor, ticket_id=ticket.id, expected_version=ticket.version,
                             **step.fields)
    elif step.action == "APPROVE":
        # As approveTicket does: the decision is kept with the ticket's approval request.
        await approval.approve(session, actor=actor, ticket_id=ticket.id, expected_version=ticket.version,
                               **step.fields)
    else:
        await actions.perform(session, actor=actor, ticket_id=ticket.id, action=step.action,
                              expected_version=ticket.version, **step.fields)


async def create_demo_tickets(session: AsyncSession) -> int:
    """Open the demo tickets and play their steps; 0 (and nothing written) when any ticket exists."""
    if await session.scalar(select(func.count()).select_from(Ticket)):
        return 0
    for demo in DEMO_TICKETS:
        on_behalf_of = None
        if demo.on_behalf_of is not None:
            on_behalf_of = await session.scalar(select(Tenant.id).where(Tenant.slug == demo.on_behalf_of))
        ticket = await open_ticket(session, actor=await _principal(session, demo.opener),
                                   sub_service_id=await _sub_service_id(session, demo.path),
                                   title=demo.title, description=demo.description, request_data=demo.data,
                                   on_behalf_of_tenant_id=on_behalf_of)
        for step in demo.steps:
            await _play(session, ticket, step)
    await session.flush()
    return len(DEMO_TICKETS)


async def load_demo_tickets_cli(settings: Settings, engine: AsyncEngine) -> int:
    """`groupdesk load ... --demo-tickets`: development only; says what it did."""
    from server.db import session_factory, writer_session

    if settings.is_production:
        print("groupdesk: demo tickets are for development only (GROUPDESK_ENV=production)", file=sys.stderr)
        return 2
    async with writer_session(session_factory(engine)) as session:
        created = await create_demo_tickets(session)
    print(f"demo tickets: {created} opened, one in every state" if created
          else "demo tickets: the database already has tickets, none added")
    return 0
