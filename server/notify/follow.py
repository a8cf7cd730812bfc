"""From a ticket's history to people: in-app notifications and mails, written with the change.

`follow` is a history follower (server.tickets.followers) the assembly registers: told of every
event in the change's own transaction, it writes the notification and mail-outbox rows the rules
(server.notify.recipients) call for, so a rolled-back change leaves none and a committed one loses
none. It costs one SELECT (everyone the event may concern, the actor, their preferences:
server.notify.people, read ahead before an opening takes the ref counter) and one batched INSERT
per table; events nobody is told of cost nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncSession

from server.identity.models import Tenant
from server.notify import listeners, outbox
from server.notify.models import DigestPeriod, MailOutbox, Notification
from server.notify.people import Found, people_of, prepared_people
from server.notify.recipients import (
    Audience,
    Delivery,
    NotificationKind,
    TicketSide,
    audiences_of,
    deliveries,
)
from server.tickets.models import Ticket, TicketEvent, Visibility
from tenants.i18n import language_of

MESSAGE_KEYS = ("body", "reason", "solution", "message")
# Rows are written through their tables: the ORM's bulk-insert path costs more than the INSERT.
_NOTIFICATIONS = cast(Table, Notification.__table__)
_MAILS = cast(Table, MailOutbox.__table__)


def _payload(ticket: Ticket, event: TicketEvent, people: dict[int, Found]) -> dict[str, Any]:
    """What the bell and the mail show, taken now: sending later loads nothing."""
    data = event.data
    actor = people.get(event.actor_id) if event.actor_id is not None else None
    assignee = people.get(ticket.assignee_id) if ticket.assignee_id is not None else None
    message = next((str(data[k]) for k in MESSAGE_KEYS if data.get(k)), None)
    return {"ref": ticket.ref, "title": ticket.title, "event": event.kind.value,
            "state": ticket.state.value, "actor": actor.display_name if actor else None,
            "assignee": assignee.display_name if assignee else data.get("assignee"),
            "message": message, "level": data.get("level"), "target": data.get("target"),
            "ticket_id": ticket.id, "event_id": event.id, "at": event.created_at.isoformat(),
            "fulfilment": data.get("name"), "system": data.get("system")}


def _chosen(plan: Sequence[Delivery], people: dict[int, Found], side: TicketSide,
            actor_id: int | None) -> dict[int, tuple[Found, NotificationKind]]:
    """One notification per person per event: the first delivery that reaches them."""
    chosen: dict[int, tuple[Found, NotificationKind]] = {}
    for user_id, found in people.items():
        if user_id == actor_id or not found.reachable:
            continue
        mine = audiences_of(found.person, side)
        for delivery in plan:
            if delivery.audiences & mine:
                chosen[user_id] = (found, delivery.kind)
                break
    return chosen


async def follow(session: AsyncSession, ticket: Ticket, event: TicketEvent) -> None:
    """Write the notifications and mails an event calls for (nothing when it concerns nobody)."""
    public = event.visibility is Visibility.PUBLIC
    kind, data = event.kind.value, event.data
    plans = {by_school: deliveries(kind, data, public=public, by_school=by_school)
             for by_school in (True, False)}
    audiences = frozenset(a for plan in plans.values() for d in plan for a in d.audiences)
    if not audiences:
        return
    people = prepared_people(session, ticket, event.kind, audiences, event.actor_id)
    if people is None:
        people = await people_of(session, ticket, audiences, event.actor_id)
    actor = people.get(event.actor_id) if event.actor_id is not None else None
    by_school = data.get("source") == "DESK" or (actor is not None
                                                 and actor.person.tenant_id == ticket.tenant_id)
    plan = plans[by_school]
    side = TicketSide(ticket.tenant_id, ticket.opened_by_id, ticket.assignee_id)
    chosen = _chosen(plan, people, side, event.actor_id)
    payload = _payload(ticket, event, people)
    created = await _notify_in_app(session, ticket, event, chosen, payload)
    mails = [_mail(ticket, found, kind_, payload) for found, kind_ in chosen.values()
             if found.email and kind_.value not in found.muted]
    mails += await _requester_mail(session, ticket, plan, chosen, actor, payload)
    if mails:
        for mail in mails:
            mail["created_at"] = event.created_at
        # One batched statement; rows come back in any order, each naming itself.
        written = await session.execute(insert(_MAILS).returning(_MAILS.c.id, _MAILS.c.held), mails)
        outbox.announce_after_commit(session, [i for i, held in written.all() if not held])
    await listeners.announce(session, created)


async def _notify_in_app(session: AsyncSession, ticket: Ticket, event: TicketEvent,
                         chosen: dict[int, tuple[Found, NotificationKind]],
                         payload: dict[str, Any]) -> list[listeners.NotificationCreated]:
    if not chosen:
        return []
    short = {k: payload[k] for k in ("ref", "title", "actor", "state", "level")}
    if payload["message"]:
        short["message"] = payload["message"][:280]
    if payload["fulfilment"]:
        short.update(fulfilment=payload["fulfilment"], system=payload["system"])
    rows = [{"user_id": user_id, "ticket_id": ticket.id, "event_id": event.id, "kind": kind.value,
             "data": short, "created_at": event.created_at}
            for user_id, (_, kind) in sorted(chosen.items())]
    written = await session.execute(
        insert(_NOTIFICATIONS).returning(_NOTIFICATIONS.c.id, _NOTIFICATIONS.c.user_id,
                                         _NOTIFICATIONS.c.kind), rows)
    return sorted((listeners.NotificationCreated(id=i, user_id=user_id, ticket_id=ticket.id, kind=kind,
                                                 created_at=event.created_at)
                   for i, user_id, kind in written.all()), key=lambda n: n.id)


def _mail(ticket: Ticket, found: Found, kind: NotificationKind,
          payload: dict[str, Any]) -> dict[str, Any]:
    assert found.email is not None
    return {"user_id": found.person.user_id, "ticket_id": ticket.id, "kind": kind.value,
            "address": found.email, "language": found.language,
            "payload": {**payload, "name": found.display_name},
            "held": found.digest is not DigestPeriod.NONE, "attempts": 0}


async def _requester_mail(session: AsyncSession, ticket: Ticket, plan: Sequence[Delivery],
                          chosen: dict[int, tuple[Found, NotificationKind]], actor: Found | None,
                          payload: dict[str, Any]) -> list[dict[str, Any]]:
    """The requester the school named by e-mail only (no account) is told what the requester is."""
    address = (ticket.requester_email or "").strip()
    delivery = next((d for d in plan if Audience.REQUESTER in d.audiences), None)
    if not address or delivery is None:
        return []
    taken = {(f.email or "").lower() for f, _ in chosen.values()}
    if actor is not None and actor.email:
        taken.add(actor.email.lower())
    if address.lower() in taken:
        return []
    school = await session.get(Tenant, ticket.tenant_id)
    return [{"user_id": None, "ticket_id": ticket.id, "kind": delivery.kind.value, "address": address,
             "language": language_of(None, school.language if school else None),
             "payload": {**payload, "name": ticket.requester_name}, "held": False, "attempts": 0}]

