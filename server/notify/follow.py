"""From a ticket's history to people: in-app notifications and mails, written with the change.

`follow` is a history follower (server.tickets.followers) the assembly registers: told of every
event in the change's own transaction, it writes the notification and mail-outbox rows the rules
(server.notify.recipients) call for, so a rolled-back change leaves none and a committed one loses
none. It costs one SELECT (everyone the event may concern, the actor, their preferences:
server.notify.people, read ahead before an opening takes the ref counter) and one batched INSERT
per table (both tables in one statement on PostgreSQL); events nobody is told of cost nothing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Table, insert, text
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
    notifications = _in_app(ticket, event, chosen, payload)
    mails = [_mail(ticket, found, kind_, payload) for found, kind_ in chosen.values()
             if found.email and kind_.value not in found.muted]
    mails += await _requester_mail(session, ticket, plan, chosen, actor, payload)
    for mail in mails:
        mail["created_at"] = event.created_at
    written, sent_alone = await _write(session, notifications, mails)
    if sent_alone:
        outbox.announce_after_commit(session, sent_alone)
    created = sorted((listeners.NotificationCreated(id=i, user_id=user_id, ticket_id=ticket.id,
                                                    kind=kind, created_at=event.created_at)
                      for i, user_id, kind in written), key=lambda n: n.id)
    await listeners.announce(session, created)


def _in_app(ticket: Ticket, event: TicketEvent, chosen: dict[int, tuple[Found, NotificationKind]],
            payload: dict[str, Any]) -> list[dict[str, Any]]:
    """The notification rows: one per person chosen, the bell's short text."""
    if not chosen:
        return []
    short = {k: payload[k] for k in ("ref", "title", "actor", "state", "level")}
    if payload["message"]:
        short["message"] = payload["message"][:280]
    if payload["fulfilment"]:
        short.update(fulfilment=payload["fulfilment"], system=payload["system"])
    return [{"user_id": user_id, "ticket_id": ticket.id, "event_id": event.id, "kind": kind.value,
             "data": short, "created_at": event.created_at}
            for user_id, (_, kind) in sorted(chosen.items())]


# PostgreSQL: an event's notifications and mails in one statement, their rows bound as two JSON
# arrays (one prepared statement whatever the number of rows: nothing compiled per opening).
_BOTH = text(
    "WITH n AS (INSERT INTO notification (user_id, ticket_id, event_id, kind, data, created_at) "
    "SELECT x.user_id, x.ticket_id, x.event_id, x.kind, x.data, x.created_at "
    "FROM jsonb_to_recordset(CAST(:notifications AS jsonb)) AS x(user_id integer, "
    "ticket_id integer, event_id integer, kind text, data jsonb, created_at timestamptz) "
    "RETURNING id, user_id, kind), "
    "m AS (INSERT INTO mail_outbox (user_id, ticket_id, kind, address, language, payload, held, "
    "created_at, attempts) "
    "SELECT x.user_id, x.ticket_id, x.kind, x.address, x.language, x.payload, x.held, "
    "x.created_at, x.attempts "
    "FROM jsonb_to_recordset(CAST(:mails AS jsonb)) AS x(user_id integer, ticket_id integer, "
    "kind text, address text, language text, payload jsonb, held boolean, "
    "created_at timestamptz, attempts integer) RETURNING id, held) "
    "SELECT id, user_id, kind, NULL AS held FROM n "
    "UNION ALL SELECT id, NULL, NULL, held FROM m")


def _as_json(rows: list[dict[str, Any]]) -> str:
    return json.dumps([{**row, "created_at": row["created_at"].isoformat()} for row in rows],
                      ensure_ascii=False)


async def _write(session: AsyncSession, notifications: list[dict[str, Any]],
                 mails: list[dict[str, Any]]) -> tuple[list[tuple[int, int, str]], list[int]]:
    """Write the rows; the notifications written (id, user, kind), and the mails to send now
    (not held for a digest). Rows come back in any order, each naming itself."""
    if not notifications and not mails:
        return [], []
    if session.get_bind().dialect.name == "postgresql":
        rows = (await session.execute(_BOTH, {"notifications": _as_json(notifications),
                                              "mails": _as_json(mails)})).all()
        return ([(i, user_id, kind) for i, user_id, kind, held in rows if kind is not None],
                [i for i, _, kind, held in rows if kind is None and not held])
    written: list[tuple[int, int, str]] = []
    if notifications:
        written = [(i, user_id, kind) for i, user_id, kind in (await session.execute(
            insert(_NOTIFICATIONS).returning(_NOTIFICATIONS.c.id, _NOTIFICATIONS.c.user_id,
                                             _NOTIFICATIONS.c.kind), notifications)).all()]
    sent_alone: list[int] = []
    if mails:
        sent_alone = [i for i, held in (await session.execute(
            insert(_MAILS).returning(_MAILS.c.id, _MAILS.c.held), mails)).all() if not held]
    return written, sent_alone


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

