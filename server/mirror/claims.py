"""The database steps of a delivery: claim a ticket, keep its remote id, mark events, give it up.

A claim is a lease on the ticket's mirror row (claimed_by / claimed_until), taken under
SELECT ... FOR UPDATE SKIP LOCKED on PostgreSQL and BEGIN IMMEDIATE on SQLite, and committed: no
database lock is held while a desk takes its time, and a worker killed mid-delivery leaves a lease
that expires. Each step is its own short transaction, so a crash repeats at most the last desk
call, which the connectors make harmless. A step that changes what the mirror shows (its status,
the local ticket's ref, the last error) tells the mirror's listeners in its transaction
(server/mirror/changes.py); renewing the lease does not.

Every transaction here writes the mirror row at most once. A second UPDATE of a row the
transaction already changed makes PostgreSQL re-check its foreign key, i.e. wait for the ticket's
row lock, which a change being committed on that ticket holds while it waits for the mirror row.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import CursorResult, Select, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.db import writer_session
from server.errors import ConfigurationError
from server.mirror import changes
from server.mirror.desks import connector_config
from server.mirror.models import Mirror, MirrorStatus, Origin, OutboxEvent
from server.mirror.retry import RetryPolicy
from tenants.desks import DeskConfig, DeskKind, RemoteTicket

BATCH = 50


def undelivered(ticket_id: int) -> Select[OutboxEvent]:
    """A ticket's events still to deliver, oldest first (those from the desk never are)."""
    return (select(OutboxEvent)
            .where(OutboxEvent.ticket_id == ticket_id, OutboxEvent.delivered_at.is_(None),
                   OutboxEvent.origin == Origin.GROUP)
            .order_by(OutboxEvent.id))


@dataclass
class Claim:
    """A ticket held by one delivery, with what it needs to go on without the ORM."""

    ticket_id: int
    token: str
    desk_kind: DeskKind
    remote: RemoteTicket | None
    events: list[OutboxEvent]
    config: DeskConfig | None = None
    config_error: str | None = None
    released: bool = field(default=False)
    # What the mirror showed as last read or written by this claim: a step that leaves it as it
    # was is not a change to tell.
    status: MirrorStatus = MirrorStatus.PENDING
    last_error: str | None = None


class Claims:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, policy: RetryPolicy,
                 lease_seconds: float, clock: Callable[[], dt.datetime],
                 installation: str | None = None) -> None:
        self.sessions = sessions
        self.installation = installation
        self.policy = policy
        self.lease = dt.timedelta(seconds=lease_seconds)
        self.clock = clock

    async def has_undelivered(self, ticket_id: int) -> bool:
        async with self.sessions() as session:
            found = await session.scalar(undelivered(ticket_id).with_only_columns(OutboxEvent.id).limit(1))
        return found is not None

    async def take(self, ticket_id: int) -> Claim | None:
        """Hold the ticket and read its mirror, oldest events and desk; None when it is not ours."""
        async with writer_session(self.sessions) as session:
            stmt = select(Mirror).where(Mirror.ticket_id == ticket_id)
            if _postgres(session):
                stmt = stmt.with_for_update(skip_locked=True)
            mirror = await session.scalar(stmt)
            now = self.clock()
            if (mirror is None or mirror.status is MirrorStatus.PAUSED
                    or (mirror.claimed_until is not None and mirror.claimed_until > now)
                    or (mirror.next_attempt_at is not None and mirror.next_attempt_at > now)):
                return None
            events = list(await session.scalars(undelivered(ticket_id).limit(BATCH)))
            remote = (RemoteTicket(mirror.remote_id, mirror.remote_ref or mirror.remote_id)
                      if mirror.remote_id else None)
            claim = Claim(ticket_id, uuid.uuid4().hex, mirror.desk_kind, remote, events,
                          status=mirror.status, last_error=mirror.last_error)
            try:
                claim.config = await connector_config(session, mirror.tenant_id, self.installation)
            except ConfigurationError as exc:
                claim.config_error = exc.message
            mirror.claimed_by, mirror.claimed_until = claim.token, now + self.lease
        return claim

    async def _held(self, session: AsyncSession, claim: Claim) -> Mirror | None:
        """The mirror row if the claim still stands (locked on PostgreSQL until commit)."""
        stmt = select(Mirror).where(Mirror.ticket_id == claim.ticket_id, Mirror.claimed_by == claim.token)
        if _postgres(session):
            stmt = stmt.with_for_update()
        return await session.scalar(stmt)

    async def keep_remote(self, claim: Claim, remote: RemoteTicket, kind: DeskKind) -> None:
        """Store the local ticket's id at once: a retry never creates it twice."""
        async with writer_session(self.sessions) as session:
            mirror = await self._held(session, claim)
            if mirror is not None:
                mirror.remote_id, mirror.remote_ref, mirror.desk_kind = remote.id, remote.ref, kind
                await changes.changed(session, claim.ticket_id)
        claim.remote = remote

    async def delivered(self, claim: Claim, event_id: int, *, release: bool) -> tuple[bool, bool]:
        """Mark an event delivered and renew (or, with `release`, give up) the claim.

        Returns (claim still held, events still waiting).
        """
        async with writer_session(self.sessions) as session:
            now = self.clock()
            await session.execute(update(OutboxEvent)
                                  .where(OutboxEvent.id == event_id, OutboxEvent.delivered_at.is_(None))
                                  .values(delivered_at=now))
            values: dict[str, Any] = dict(attempts=0, last_error=None, next_attempt_at=None,
                                          last_synced_at=now, updated_at=now)
            more = True
            if release:
                # Locked before counting: an event being committed has locked the row too.
                if await self._held(session, claim) is None:
                    return False, True
                more = await session.scalar(undelivered(claim.ticket_id)
                                            .with_only_columns(OutboxEvent.id).limit(1)) is not None
                values |= dict(claimed_by=None, claimed_until=None,
                               status=MirrorStatus.PENDING if more else MirrorStatus.SYNCED)
                if not more:
                    values["divergence"] = None
                claim.released = True
            else:
                values |= dict(status=MirrorStatus.PENDING, claimed_until=now + self.lease)
            held = await session.execute(
                update(Mirror).where(Mirror.ticket_id == claim.ticket_id, Mirror.claimed_by == claim.token)
                .values(**values))
            # An UPDATE gives a CursorResult; the session's signature only says Result.
            still = cast("CursorResult[Any]", held).rowcount == 1
            if still and (values["status"] is not claim.status or claim.last_error is not None):
                claim.status, claim.last_error = values["status"], None
                await changes.changed(session, claim.ticket_id)
        return still, more

    async def failed(self, claim: Claim, event: OutboxEvent, message: str, *,
                     retryable: bool) -> tuple[bool, int | None, str]:
        """Count a failure and give the ticket up: (paused, retry in ms, error text)."""
        text = f"{event.kind}: {message}"
        claim.released = True
        async with writer_session(self.sessions) as session:
            mirror = await self._held(session, claim)
            row = await session.get(OutboxEvent, event.id)
            if row is not None:
                row.attempts += 1
                row.last_error = text
            if mirror is None:
                return False, None, text
            mirror.claimed_by = mirror.claimed_until = None
            mirror.attempts += 1
            mirror.last_error = text
            paused = not retryable or self.policy.gives_up(mirror.attempts)
            delay = None if paused else self.policy.backoff_ms(mirror.attempts)
            mirror.status = MirrorStatus.PAUSED if paused else MirrorStatus.FAILED
            mirror.next_attempt_at = (None if delay is None
                                      else self.clock() + dt.timedelta(milliseconds=delay))
            # Every failure is told (its error and attempts are new); last, so that the mirror row
            # is written once, by the flush before the ticket is read.
            await changes.changed(session, claim.ticket_id)
        return paused, delay, text

    async def release(self, claim: Claim) -> bool:
        """Give the ticket up after an interruption; says whether events still wait."""
        claim.released = True
        async with writer_session(self.sessions) as session:
            mirror = await self._held(session, claim)
            if mirror is None:
                return False
            more = await session.scalar(undelivered(claim.ticket_id)
                                        .with_only_columns(OutboxEvent.id).limit(1)) is not None
            mirror.claimed_by = mirror.claimed_until = None
            if mirror.status in (MirrorStatus.PENDING, MirrorStatus.SYNCED):
                status = MirrorStatus.PENDING if more else MirrorStatus.SYNCED
                if status is not mirror.status:
                    mirror.status = status
                    await changes.changed(session, claim.ticket_id)
        return more


def _postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"
