"""Delivering a ticket's outbox events to its school's desk, oldest first, at least once.

One delivery holds a claim on the ticket's mirror row (a lease: claimed_by / claimed_until, taken
under SELECT ... FOR UPDATE SKIP LOCKED on PostgreSQL and BEGIN IMMEDIATE on SQLite). The lease is
written and committed rather than held as an open transaction, so that no database lock is kept
while a desk takes its time to answer; a worker killed mid-delivery leaves a lease that expires.
Every step commits on its own: the remote id as soon as the desk gave it, each event once the
desk accepted it. A crash between steps therefore repeats at most the last step, which the
connectors make harmless (lookup by group ref before creating, event markers on comments).
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.db import utcnow, writer_session
from server.errors import ConfigurationError
from server.mirror.desks import connector_config
from server.mirror.models import Mirror, MirrorStatus, Origin, OutboxEvent
from server.mirror.outbox import desk_event
from server.mirror.retry import RetryPolicy
from tenants.desks import DeskConfig, DeskConnector, DeskError, DeskTicket, EventKind, RemoteTicket

log = logging.getLogger("groupdesk.mirror")
BATCH = 50

ConnectorFactory = Callable[[DeskConfig], DeskConnector]


@dataclass(frozen=True)
class Outcome:
    """What one delivery run did; `retry_in_ms` is set when the ticket waits for its next attempt."""

    delivered: int = 0
    busy: bool = False
    paused: bool = False
    retry_in_ms: int | None = None
    error: str | None = None


def undelivered(ticket_id: int):  # noqa: ANN201 (a select)
    return (select(OutboxEvent)
            .where(OutboxEvent.ticket_id == ticket_id, OutboxEvent.delivered_at.is_(None),
                   OutboxEvent.origin == Origin.GROUP)
            .order_by(OutboxEvent.id))


class MirrorDelivery:
    """Delivers tickets' events; the same code runs in dramatiq actors and in the embedded relay."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, policy: RetryPolicy,
                 lease_seconds: float, connectors: ConnectorFactory,
                 clock: Callable[[], dt.datetime] = utcnow) -> None:
        self.sessions = sessions
        self.policy = policy
        self.lease = dt.timedelta(seconds=lease_seconds)
        self.connectors = connectors
        self.clock = clock

    async def deliver(self, ticket_id: int) -> Outcome:
        """Deliver everything due for one ticket; `busy` when another delivery holds it."""
        total = 0
        for _ in range(3):
            token = await self._claim(ticket_id)
            if token is None:
                return Outcome(delivered=total, busy=True)
            try:
                outcome = await self._run(ticket_id, token)
            finally:
                await self._release(ticket_id, token)
            total += outcome.delivered
            if outcome.busy:
                return Outcome(total, busy=True)
            if outcome.paused or outcome.retry_in_ms is not None or outcome.error:
                return Outcome(total, paused=outcome.paused, retry_in_ms=outcome.retry_in_ms,
                               error=outcome.error)
            # An event committed while we held the claim was announced to a delivery that found
            # the ticket busy: look again now that the claim is released.
            if not await self._has_undelivered(ticket_id):
                break
        return Outcome(total)

    async def _claim(self, ticket_id: int) -> str | None:
        async with writer_session(self.sessions) as session:
            stmt = select(Mirror).where(Mirror.ticket_id == ticket_id)
            if session.bind.dialect.name == "postgresql":
                stmt = stmt.with_for_update(skip_locked=True)
            mirror = await session.scalar(stmt)
            now = self.clock()
            if (mirror is None or mirror.status is MirrorStatus.PAUSED
                    or (mirror.claimed_until is not None and mirror.claimed_until > now)
                    or (mirror.next_attempt_at is not None and mirror.next_attempt_at > now)):
                return None
            token = uuid.uuid4().hex
            mirror.claimed_by, mirror.claimed_until = token, now + self.lease
        return token

    async def _release(self, ticket_id: int, token: str) -> None:
        """Give the ticket up; a mirror left PENDING or SYNCED says whether events still wait.

        The mirror row is locked before counting: an event being committed has locked it too
        (see outbox._touch_mirror), so it is either counted or not yet written.
        """
        async with writer_session(self.sessions) as session:
            mirror = await self._held(session, ticket_id, token)
            if mirror is None:
                return
            # Counted before any change: one UPDATE of the row per transaction. A second one would
            # re-check its foreign key (the row is now ours), wait for the ticket's row lock and
            # deadlock with a change being committed on that ticket.
            left = await session.scalar(undelivered(ticket_id).with_only_columns(OutboxEvent.id).limit(1))
            mirror.claimed_by = mirror.claimed_until = None
            if mirror.status in (MirrorStatus.PENDING, MirrorStatus.SYNCED):
                mirror.status = MirrorStatus.PENDING if left is not None else MirrorStatus.SYNCED

    async def _held(self, session: AsyncSession, ticket_id: int, token: str) -> Mirror | None:
        """The mirror row if our claim still stands (locked on PostgreSQL until commit)."""
        stmt = select(Mirror).where(Mirror.ticket_id == ticket_id, Mirror.claimed_by == token)
        if session.bind.dialect.name == "postgresql":
            stmt = stmt.with_for_update()
        return await session.scalar(stmt)

    async def _has_undelivered(self, ticket_id: int) -> bool:
        async with self.sessions() as session:
            return await session.scalar(undelivered(ticket_id).with_only_columns(OutboxEvent.id)
                                        .limit(1)) is not None

    async def _run(self, ticket_id: int, token: str) -> Outcome:
        async with self.sessions() as session:
            mirror = await session.scalar(select(Mirror).where(Mirror.ticket_id == ticket_id))
            events = list(await session.scalars(undelivered(ticket_id).limit(BATCH)))
            if mirror is None or not events:
                return Outcome()
            try:
                config = await connector_config(session, mirror.tenant_id)
            except ConfigurationError as exc:
                return await self._failed(ticket_id, token, events[0], exc.message, retryable=False)
        if config.kind is not mirror.desk_kind and mirror.remote_id is not None:
            return await self._failed(
                ticket_id, token, events[0], retryable=False,
                message=f"the school's desk changed from {mirror.desk_kind.value} to "
                        f"{config.kind.value}; retry the mirror to open the ticket on the new desk")
        remote = RemoteTicket(mirror.remote_id, mirror.remote_ref or mirror.remote_id) \
            if mirror.remote_id else None
        delivered = 0
        connector = self.connectors(config)
        try:
            for row in events:
                current = row
                if remote is None:
                    ticket = DeskTicket(**row.payload["ticket"])
                    remote = await connector.find(ticket.group_ref) or await connector.create(ticket)
                    await self._store_remote(ticket_id, token, remote, config)
                if row.kind != EventKind.OPENED.value:
                    await connector.apply(remote, desk_event(row, remote))
                if not await self._delivered(ticket_id, token, row.id):
                    return Outcome(delivered, busy=True)  # our claim lapsed: someone else goes on
                delivered += 1
        except DeskError as exc:
            return await self._failed(ticket_id, token, current, exc.message, retryable=exc.retryable,
                                      delivered=delivered)
        except Exception as exc:  # a bug or a broken desk answer: say so, and retry like a failure
            log.exception("mirror delivery of ticket %s failed unexpectedly", ticket_id)
            return await self._failed(ticket_id, token, current, retryable=True, delivered=delivered,
                                      message=f"unexpected error: {type(exc).__name__}: {exc}")
        finally:
            await connector.aclose()
        return Outcome(delivered)

    async def _store_remote(self, ticket_id: int, token: str, remote: RemoteTicket,
                            config: DeskConfig) -> None:
        """Keep the local ticket's id at once, in its own transaction: a retry never creates twice."""
        async with writer_session(self.sessions) as session:
            mirror = await self._held(session, ticket_id, token)
            if mirror is not None:
                mirror.remote_id, mirror.remote_ref, mirror.desk_kind = remote.id, remote.ref, config.kind

    async def _delivered(self, ticket_id: int, token: str, event_id: int) -> bool:
        """Mark one event delivered and renew the claim; False when the claim was lost.

        Two plain UPDATEs in one short transaction: this runs once per event, the hot path.
        """
        async with writer_session(self.sessions) as session:
            now = self.clock()
            await session.execute(update(OutboxEvent)
                                  .where(OutboxEvent.id == event_id, OutboxEvent.delivered_at.is_(None))
                                  .values(delivered_at=now))
            renewed = await session.execute(
                update(Mirror).where(Mirror.ticket_id == ticket_id, Mirror.claimed_by == token)
                .values(status=MirrorStatus.PENDING, attempts=0, last_error=None, next_attempt_at=None,
                        last_synced_at=now, claimed_until=now + self.lease, updated_at=now))
        return renewed.rowcount == 1

    async def _failed(self, ticket_id: int, token: str, row: OutboxEvent, message: str, *,
                      retryable: bool, delivered: int = 0) -> Outcome:
        """Count the failure; FAILED with a backoff while retries remain, else PAUSED."""
        text = f"{row.kind}: {message}"
        async with writer_session(self.sessions) as session:
            mirror = await self._held(session, ticket_id, token)
            event = await session.get(OutboxEvent, row.id)
            if event is not None:
                event.attempts += 1
                event.last_error = text
            if mirror is None:
                return Outcome(delivered, busy=True)
            mirror.attempts += 1
            mirror.last_error = text
            if not retryable or self.policy.gives_up(mirror.attempts):
                mirror.status, mirror.next_attempt_at = MirrorStatus.PAUSED, None
                log.warning("mirror of ticket %s paused: %s", ticket_id, text)
                return Outcome(delivered, paused=True, error=text)
            delay = self.policy.backoff_ms(mirror.attempts)
            mirror.status = MirrorStatus.FAILED
            mirror.next_attempt_at = self.clock() + dt.timedelta(milliseconds=delay)
        return Outcome(delivered, retry_in_ms=delay, error=text)
