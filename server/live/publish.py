"""Publishing after commit: the history follower collects, the commit seals, the outlets carry.

`follow` is a ticket-history follower (registered by groupdesk/wiring.py): it only notes the event
in the session. When the session commits, `before_commit` turns what it noted into one message
per ticket (the events, the ticket's facts before and after the transaction) and, on PostgreSQL,
sends them with NOTIFY inside the transaction, which the database delivers to every listening
process only at commit. `after_commit` then hands them to this process's outlets (the in-process
bus, or the Redis publisher of the committing loop). A rolled-back transaction, or savepoint,
publishes nothing of what it recorded.

Before-facts come from the ORM: after each flush, a ticket changed for the first time in the
transaction is remembered as it was loaded (attribute history), and a ticket inserted by the
transaction has no before.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any, Protocol

from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction, UOWTransaction
from sqlalchemy import event as orm_event

from server.identity.revocations import revoked_keys
from server.live.messages import (
    CredentialsRevoked,
    LiveEventRef,
    LiveMessage,
    LiveTicketFacts,
    MirrorChanged,
    NotificationPosted,
    TicketChanged,
    encode,
)
from server.tickets.inserts import INSERTED_KEY
from server.tickets.models import Ticket, TicketEvent, Visibility

# The PostgreSQL channel every process LISTENs on (NOTIFY is scoped to the database).
POSTGRES_CHANNEL = "groupdesk_live"

_NOTED = "groupdesk.live.noted"      # [(transaction, message or ticket event note)]
_BEFORE = "groupdesk.live.before"    # {ticket id: LiveTicketFacts | None (opened here)}
_SEALED = "groupdesk.live.sealed"    # [LiveMessage], between before_commit and after_commit

# Built once: a construct per commit cost its cache key every time.
_NOTIFY = text("SELECT pg_notify(:channel, :payload)")

_FACTS = ("tenant_id", "brick_id", "service_id", "sub_service_id", "assignee_id", "state", "priority",
          "escalation_level", "created_at", "updated_at")


def _value(v: Any) -> Any:
    return getattr(v, "value", v)


def facts_of(ticket: Ticket, *, previous: bool = False) -> LiveTicketFacts:
    """The ticket's facts now, or (previous) as they were before the changes not yet flushed."""
    values = []
    attrs = inspect(ticket).attrs
    for name in _FACTS:
        current = getattr(ticket, name)
        if previous:
            deleted = attrs[name].history.deleted
            current = deleted[0] if deleted else current
        values.append(_value(current))
    return LiveTicketFacts(*values)


class _TicketNote:
    __slots__ = ("ticket", "event")

    def __init__(self, ticket: Ticket, event: LiveEventRef) -> None:
        self.ticket = ticket
        self.event = event


class _MirrorNote:
    __slots__ = ("ticket",)

    def __init__(self, ticket: Ticket) -> None:
        self.ticket = ticket


def _sync(session: AsyncSession | Session) -> Session:
    return session.sync_session if isinstance(session, AsyncSession) else session


def _note(session: Session, item: _TicketNote | _MirrorNote | LiveMessage) -> None:
    session.info.setdefault(_NOTED, []).append((session.get_nested_transaction(), item))


async def follow(session: AsyncSession, ticket: Ticket, event: TicketEvent) -> None:
    """History follower: note the event; it is published once (and only if) the change commits."""
    _note(_sync(session), _TicketNote(ticket, LiveEventRef(
        event.id, _value(event.kind), event.visibility is Visibility.INTERNAL)))


def publish_notification(session: AsyncSession | Session, *, user_id: int, notification_id: int,
                         kind: str, ticket: Ticket | None = None) -> None:
    """Tell the user's open `notificationReceived` subscriptions, once this transaction commits.

    The notifications side calls it in the transaction that writes the notification row; the ticket,
    when the notification is about one, lets each event be re-checked against what the user may see.
    """
    _note(_sync(session), NotificationPosted(
        user_id=user_id, notification_id=notification_id, kind=kind,
        ticket_id=ticket.id if ticket is not None else None,
        ticket=facts_of(ticket) if ticket is not None else None))


async def publish_mirror_change(session: AsyncSession, ticket_id: int) -> None:
    """Tell the ticket's open `ticketMirrorChanged` subscriptions, once this transaction commits.

    A mirror listener (server/mirror/changes.py) the assembly registers: called in the transaction
    that changed the mirror. The ticket's facts, for the policy, come from the session when it holds
    the ticket (a change to the ticket), else from one read; several changes of one commit make one
    message, with the ticket as the commit left it.
    """
    ticket = await session.get(Ticket, ticket_id)
    if ticket is not None:
        _note(_sync(session), _MirrorNote(ticket))


def _seal(session: Session) -> list[LiveMessage]:
    noted = session.info.pop(_NOTED, [])
    before = session.info.pop(_BEFORE, {})
    # Tickets written by their table's INSERT (an opening) were opened here too: no before.
    for ticket_id in session.info.pop(INSERTED_KEY, ()):
        before[ticket_id] = None
    by_ticket: dict[int, tuple[Ticket, list[LiveEventRef]]] = {}
    mirrors: dict[int, Ticket] = {}
    others: list[LiveMessage] = []
    for _, item in noted:
        if isinstance(item, _TicketNote):
            by_ticket.setdefault(item.ticket.id, (item.ticket, []))[1].append(item.event)
        elif isinstance(item, _MirrorNote):
            mirrors[item.ticket.id] = item.ticket
        else:
            others.append(item)
    messages: list[LiveMessage] = []
    for ticket_id, (ticket, events) in by_ticket.items():
        after = facts_of(ticket)
        messages.append(TicketChanged(ticket_id=ticket_id, version=ticket.version, after=after,
                                      before=before.get(ticket_id, after), events=tuple(events)))
    # After the ticket's own message: a subscriber reading both sees the ticket, then its mirror.
    messages += [MirrorChanged(ticket_id=i, ticket=facts_of(t)) for i, t in mirrors.items()]
    return messages + others


@orm_event.listens_for(Session, "after_flush")
def _remember(session: Session, flush_context: UOWTransaction) -> None:
    # Here new, dirty and attribute history still show the state before this flush.
    for obj in session.new:
        if isinstance(obj, Ticket):
            session.info.setdefault(_BEFORE, {}).setdefault(obj.id, None)
    for obj in session.dirty:
        if isinstance(obj, Ticket):
            before = session.info.setdefault(_BEFORE, {})
            if obj.id not in before:
                before[obj.id] = facts_of(obj, previous=True)
    keys = revoked_keys(session)
    if keys:
        _note(session, CredentialsRevoked(tuple(sorted(keys))))


@orm_event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    if session.get_nested_transaction() is not None:
        return  # SQLAlchemy tells of a savepoint's release too: only the real commit publishes
    # SQLAlchemy flushes after this event: flush now, so that what the last flush notes is sealed.
    if session.new or session.dirty or session.deleted:
        session.flush()
    if _NOTED not in session.info:
        session.info.pop(_BEFORE, None)
        session.info.pop(INSERTED_KEY, None)
        return
    messages = _seal(session)
    if not messages:
        return
    session.info[_SEALED] = messages
    if session.get_bind().dialect.name == "postgresql":
        # Delivered by PostgreSQL at commit, to every process listening; never for a rollback.
        for payload in encode(messages):
            session.execute(_NOTIFY, {"channel": POSTGRES_CHANNEL, "payload": payload})


@orm_event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.get_nested_transaction() is not None:
        return
    messages = session.info.pop(_SEALED, None)
    if messages:
        hand_over(messages)


def _within(transaction: SessionTransaction | None, ended: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is ended:
            return True
        transaction = transaction.parent
    return False


@orm_event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, previous_transaction: SessionTransaction) -> None:
    if not previous_transaction.nested:
        if not session.in_transaction():
            for key in (_NOTED, _BEFORE, _SEALED, INSERTED_KEY):
                session.info.pop(key, None)
        return
    # A savepoint rolled back (a refused mutation): what it recorded never happened.
    noted = session.info.get(_NOTED)
    if noted:
        noted[:] = [(t, item) for t, item in noted if not _within(t, previous_transaction)]


class Outlet(Protocol):
    """Where this process's commits go: called after each commit, from the committing thread."""

    def accept(self, messages: list[LiveMessage], loop: asyncio.AbstractEventLoop | None) -> None: ...


_outlets: list[Outlet] = []
_lock = threading.Lock()


def attach(outlet: Outlet) -> None:
    with _lock:
        _outlets.append(outlet)


def detach(outlet: Outlet) -> None:
    with _lock:
        if outlet in _outlets:
            _outlets.remove(outlet)


def hand_over(messages: list[LiveMessage]) -> None:
    """Give committed messages to every outlet of the process (the in-process bus, publishers)."""
    try:
        loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
    except RuntimeError:
        loop = None
    with _lock:
        outlets = list(_outlets)
    for outlet in outlets:
        outlet.accept(messages, loop)
