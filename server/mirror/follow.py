"""From a ticket's history to the school's desk: which changes the school must see, and how.

`follow` is a history follower (server.tickets.followers): the assembly registers it, and history
tells it of every change in the change's own transaction, so the outbox is complete by construction.
Its preparation (`prepare`) reads what an opening's events need before the ref counter is taken.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.catalog.models import Brick, Service, SubService
from server.identity.models import Tenant, User
from server.mirror import outbox
from server.mirror.models import DeskSetting, Origin, OutboxEvent
from server.tickets.models import EventKind as History
from server.tickets.models import Ticket, TicketEvent, Visibility
from server.tickets.workflow import TicketState
from tenants.desks import render
from tenants.desks.base import DeskKind, DeskTicket
from tenants.desks.base import EventKind as Desk

_ORIGIN_KEY = "groupdesk.mirror.origin"

DIRECT: dict[History, Desk] = {
    History.OPENED: Desk.OPENED,
    History.ASSIGNED: Desk.ASSIGNED,
    History.TAKEN: Desk.TAKEN,
    History.PUT_ON_HOLD: Desk.PENDING,
    History.ANSWERED: Desk.ANSWERED,
    History.RESOLVED: Desk.RESOLVED,
    History.REOPENED: Desk.REOPENED,
    History.CLOSED: Desk.CLOSED,
    # A rejected request is over for the school: its local ticket closes with the reason.
    History.REJECTED: Desk.CLOSED,
    History.COMMENTED: Desk.COMMENTED,
    # Automation's fulfilment status reaches the desk as a public note (fulfilment_note below).
    History.FULFILMENT: Desk.COMMENTED,
}


@contextmanager
def from_desk(session: AsyncSession) -> Iterator[None]:
    """Changes made inside come from the school's desk: recorded, never sent back to it."""
    session.info[_ORIGIN_KEY] = Origin.DESK
    try:
        yield
    finally:
        session.info.pop(_ORIGIN_KEY, None)


def desk_kind_of(kind: History, ticket: Ticket, data: dict[str, Any]) -> Desk | None:
    """The desk event for a history event, or None when the school's desk need not see it."""
    if kind in DIRECT:
        return DIRECT[kind]
    if kind is History.ROUTED and ticket.assignee_id is not None:
        return Desk.ASSIGNED
    if kind is History.STATE_CHANGED and data.get("to") == TicketState.IN_PROGRESS.value:
        return Desk.TAKEN  # work started, or resumed by the expert
    return None


def message_of(kind: History, data: dict[str, Any]) -> str | None:
    """The public text that goes with an event: the question, the solution, the comment."""
    for key in {History.RESOLVED: ("solution",), History.COMMENTED: ("body",)}.get(kind, ("reason",)):
        if data.get(key):
            return str(data[key])
    return None


def form_answers(form: dict[str, Any] | None, data: dict[str, Any] | None) -> tuple[tuple[str, str], ...]:
    """The request form's answers as (field title, value), in the form's order, then any extra."""
    data = data or {}
    properties = (form or {}).get("properties") or {}
    names = [n for n in properties if n in data] + [n for n in data if n not in properties]
    answers = []
    for name in names:
        spec = properties.get(name) or {}
        title = str(spec.get("title") or name) if isinstance(spec, dict) else name
        value = data[name]
        if isinstance(value, list):
            text = ", ".join(str(v) for v in value)
        elif isinstance(value, dict):
            text = json.dumps(value, ensure_ascii=False, sort_keys=True)
        else:
            text = str(value)
        answers.append((title, text))
    return tuple(answers)


async def desk_ticket(session: AsyncSession, ticket: Ticket) -> DeskTicket:
    """The ticket as the desk sees it (related rows come from the session's identity map)."""
    school = await session.get(Tenant, ticket.tenant_id)
    brick = await session.get(Brick, ticket.brick_id)
    service = await session.get(Service, ticket.service_id)
    sub = await session.get(SubService, ticket.sub_service_id)
    assignee = await session.get(User, ticket.assignee_id) if ticket.assignee_id else None
    return DeskTicket(
        group_ref=ticket.ref, title=ticket.title, description=ticket.description or "",
        priority=ticket.priority.value, state=ticket.state.value,
        school=school.name if school else "", brick=brick.name if brick else "",
        service=service.name if service else "", sub_service=sub.name if sub else "",
        requester_name=ticket.requester_name, requester_email=ticket.requester_email,
        assignee=assignee.display_name if assignee else None,
        language=school.language if school else "fr",
        form=form_answers(sub.form if sub else None, ticket.request_data))


async def _has_lifecycle(session: AsyncSession, ticket: Ticket) -> bool:
    """Whether the school's desk keeps a local state of its own (iTop, GLPI), not just messages."""
    kind = await session.scalar(select(DeskSetting.kind).where(DeskSetting.tenant_id == ticket.tenant_id))
    return kind in (DeskKind.ITOP, DeskKind.GLPI)


async def _author(session: AsyncSession, actor_id: int | None) -> str | None:
    """The display name the desk shows for an event's actor (None: the system)."""
    if actor_id is None:
        return None
    known: dict[int, str] = session.info.get(outbox.AUTHORS_KEY, {})
    if actor_id in known:
        return known[actor_id]
    user = await session.get(User, actor_id)
    return user.display_name if user else None


# Built once, bound at each opening.
_OPENER_AND_DESK = (select(User.display_name, DeskSetting.kind)
                    .outerjoin(DeskSetting, DeskSetting.tenant_id == bindparam("tenant_id"))
                    .where(User.id == bindparam("user_id")))


async def prepare(session: AsyncSession, ticket: Ticket) -> None:
    """Before an opening takes the ref counter: the school's desk kind and the opener (the OPENED
    event's author), in one statement, so that the events that follow read nothing."""
    row = (await session.execute(_OPENER_AND_DESK, {"tenant_id": ticket.tenant_id,
                                                    "user_id": ticket.opened_by_id})).first()
    if row is not None:
        session.info.setdefault(outbox.AUTHORS_KEY, {})[ticket.opened_by_id] = row[0]
        outbox.remember_desk(session, ticket.tenant_id, row[1])


async def follow(session: AsyncSession, ticket: Ticket, event: TicketEvent) -> OutboxEvent | None:
    """Write the outbox event a public change calls for (none for internal ones or no desk)."""
    kind, data, public = event.kind, event.data, event.visibility is Visibility.PUBLIC
    desk_kind = desk_kind_of(kind, ticket, data)
    if not public or desk_kind is None:
        return None
    origin = session.info.get(_ORIGIN_KEY, Origin.GROUP)
    if kind is History.COMMENTED and data.get("source") == "DESK":
        origin = Origin.DESK
    author = await _author(session, event.actor_id)
    # An answer turns its comment's outbox event into ticket.answered instead of sending the
    # same text twice.
    comments: dict[int, OutboxEvent] = session.info.setdefault(outbox.COMMENTS_KEY, {})
    if kind is History.ANSWERED and origin is Origin.DESK and await _has_lifecycle(session, ticket):
        # The school answered in its own desk, whose ticket still waits on the school: the desk
        # is told to move on (its answer itself is never sent back).
        await outbox.enqueue(session, ticket_id=ticket.id, tenant_id=ticket.tenant_id, kind=Desk.RESYNCED,
                             ticket=await desk_ticket(session, ticket), origin=Origin.GROUP)
    if kind is History.ANSWERED and data.get("comment_id") in comments:
        # The answer's text is already in the outbox as a comment: make that event the answer.
        answer = comments.pop(data["comment_id"])
        answer.kind = Desk.ANSWERED.value
        answer.payload = {**answer.payload,
                          "ticket": {**answer.payload["ticket"], "state": ticket.state.value}}
        await session.flush()
        return answer
    seen = await desk_ticket(session, ticket)
    message = message_of(kind, data)
    if kind is History.FULFILMENT:
        message = render.fulfilment_note(seen.language, system=str(data.get("system") or ""),
                                         status=str(data.get("to") or ""),
                                         name=str(data.get("name") or data.get("to") or ""),
                                         message=data.get("message"))
    row = await outbox.enqueue(session, ticket_id=ticket.id, tenant_id=ticket.tenant_id,
                               kind=desk_kind, ticket=seen, message=message, author=author,
                               origin=origin, new_ticket=kind is History.OPENED)
    if row is not None and kind is History.OPENED and ticket.local_ref:
        # Opened with the local ticket's ref (often by the desk itself): link to it, never
        # open a second local ticket.
        await outbox.link_remote(session, ticket.id, ticket.local_ref)
    if row is not None and kind is History.COMMENTED and data.get("comment_id") is not None:
        comments[data["comment_id"]] = row
    return row
