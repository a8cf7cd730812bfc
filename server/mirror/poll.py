"""Pulling what the schools' desks changed, for desks that cannot push (stock iTop, GLPI).

Each poll reads, per school, what changed on its mirrored local tickets since the school's cursor:
public entries people wrote (never the integration's own: no echo) and where each changed ticket
stands. In one transaction it applies them as the school's desk-integration account (the same
inbound rules as the signed hook), compares every changed ticket with the state its group ticket
implies (DIVERGED, with words, when they differ and nothing waits for delivery), and moves the
cursor. A crash before the commit re-reads the same changes next time; entries are applied once
(each has a stable id), so nothing is skipped and nothing doubles.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.db import utcnow, writer_session
from server.errors import ConfigurationError, GroupdeskError
from server.identity.models import Tenant
from server.mirror import changes
from server.mirror.claims import undelivered
from server.mirror.desks import connector_config
from server.mirror.inbound import DeskEventKind, desk_account, receive
from server.mirror.models import DeskPoll, DeskSetting, Mirror, MirrorStatus, OutboxEvent
from server.tickets.locking import lock_ticket
from server.tickets.models import Ticket
from server.tickets.workflow import TicketState
from tenants.context import Principal
from tenants.desks import DeskConfig, DeskConnector, DeskError
from tenants.desks.base import AGREES, DeskChanges, LocalStatus, LocalTicketState, PolledDesk
from tenants.i18n.messages import Message, stored

log = logging.getLogger("groupdesk.mirror")
FINISHED = (TicketState.CLOSED, TicketState.REJECTED)


@dataclass(frozen=True)
class PollResult:
    """One school's poll: how many changes it applied, or why it could not run."""

    applied: int = 0
    diverged: int = 0
    error: str | None = None


class DeskPoller:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], *,
                 connectors: Callable[[DeskConfig], DeskConnector], installation: str | None = None,
                 clock: Callable[[], dt.datetime] = utcnow) -> None:
        self.sessions = sessions
        self.connectors = connectors
        self.installation = installation
        self.clock = clock

    async def poll_all(self) -> dict[str, PollResult]:
        """Poll every school whose desk is pulled; one school's trouble never stops the others."""
        async with self.sessions() as session:
            rows = (await session.execute(select(Tenant.id, Tenant.slug).join(
                DeskSetting, DeskSetting.tenant_id == Tenant.id).where(Tenant.active.is_(True))
                .order_by(Tenant.id))).all()
        results = {}
        for tenant_id, slug in rows:
            try:
                results[slug] = await self.poll(tenant_id)
            except Exception:  # the database went away: the next poll tries again
                log.exception("poll of %s's desk failed unexpectedly", slug)
                results[slug] = PollResult(error="unexpected error")
        return results

    async def poll(self, tenant_id: int) -> PollResult:
        """Read what the school's desk changed since its cursor and apply it in one transaction."""
        async with self.sessions() as session:
            try:
                config = await connector_config(session, tenant_id, self.installation)
            except ConfigurationError as exc:
                return PollResult(error=exc.message)
            remotes = {str(remote): ticket for remote, ticket in (await session.execute(
                select(Mirror.remote_id, Mirror.ticket_id).join(Ticket, Ticket.id == Mirror.ticket_id)
                .where(Mirror.tenant_id == tenant_id, Mirror.remote_id.is_not(None),
                       Ticket.state.not_in(FINISHED)))).all()}
            cursor = await session.scalar(select(DeskPoll.cursor).where(DeskPoll.tenant_id == tenant_id))
            start = await session.scalar(select(Mirror.created_at).where(
                Mirror.ticket_id.in_(remotes.values())).order_by(Mirror.created_at).limit(1))
        connector = self.connectors(config)
        try:
            if not isinstance(connector, PolledDesk):
                return PollResult()
            if not remotes:
                return PollResult()
            try:
                changes = await connector.changes(cursor, start or self.clock(), list(remotes))
            except DeskError as exc:
                await self._record(tenant_id, None, 0, exc.message)
                log.warning("poll of desk of tenant %s failed: %s", tenant_id, exc.message)
                return PollResult(error=exc.message)
        finally:
            await connector.aclose()
        try:
            return await self._apply(tenant_id, config, remotes, changes)
        except IntegrityError:
            # Another process applied the same entries meanwhile: the next poll re-reads them.
            return PollResult(error="applied concurrently; read again next time")

    async def _apply(self, tenant_id: int, config: DeskConfig, remotes: dict[str, int],
                     changes: DeskChanges) -> PollResult:
        applied = diverged = 0
        async with writer_session(self.sessions) as session:
            tenant = await session.get(Tenant, tenant_id)
            assert tenant is not None
            try:
                actor = await desk_account(session, tenant)
            except GroupdeskError as exc:
                await self._save_cursor(session, tenant_id, None, 0, exc.message)
                return PollResult(error=exc.message)
            for comment in changes.comments:
                applied += await self._inbound(session, actor, remotes[comment.remote_id],
                                               DeskEventKind.COMMENTED, comment.change_id,
                                               comment.message, comment.author)
            for state in changes.states:
                ticket_id = remotes[state.remote_id]
                # The ticket's lock first, then its mirror: the order every change takes.
                await lock_ticket(session, actor, ticket_id, None)
                applied += await self._state(session, actor, ticket_id, state)
                diverged += await reconcile(session, ticket_id, state, config.kind.value)
            await self._save_cursor(session, tenant_id, changes.cursor, applied, None)
        return PollResult(applied, diverged)

    async def _inbound(self, session: AsyncSession, actor: Principal, ticket_id: int,
                       kind: DeskEventKind, event_id: str | None, message: str | None,
                       author: str | None) -> int:
        try:
            async with session.begin_nested():
                received = await receive(session, actor=actor, kind=kind, event_id=event_id,
                                         ticket_id=ticket_id, message=message, author=author)
        except GroupdeskError as exc:  # e.g. a comment on a ticket the group has closed
            log.info("desk change on ticket %s not applied: %s", ticket_id, exc.message)
            return 0
        return 0 if received.duplicate else 1

    async def _state(self, session: AsyncSession, actor: Principal, ticket_id: int,
                     state: LocalTicketState) -> int:
        """A local resolution or closure the group has not seen is applied once, when it happens."""
        mirror = await session.scalar(select(Mirror).where(Mirror.ticket_id == ticket_id))
        if mirror is None or mirror.local_state == state.status.value:
            return 0
        applied = 0
        if state.status in (LocalStatus.RESOLVED, LocalStatus.CLOSED):
            kind = DeskEventKind.RESOLVED if state.status is LocalStatus.RESOLVED else DeskEventKind.CLOSED
            applied = await self._inbound(session, actor, ticket_id, kind, None, state.message,
                                          state.changed_by)
        mirror.local_state = state.status.value
        await session.flush()
        await changes.changed(session, ticket_id)
        return applied

    async def _record(self, tenant_id: int, cursor: str | None, applied: int, error: str | None) -> None:
        async with writer_session(self.sessions) as session:
            await self._save_cursor(session, tenant_id, cursor, applied, error)

    async def _save_cursor(self, session: AsyncSession, tenant_id: int, cursor: str | None,
                           applied: int, error: str | None) -> None:
        row = await session.scalar(select(DeskPoll).where(DeskPoll.tenant_id == tenant_id))
        if row is None:
            row = DeskPoll(tenant_id=tenant_id, applied=0)
            session.add(row)
        if cursor is not None:
            row.cursor = cursor
        row.polled_at, row.applied, row.last_error = self.clock(), applied, error
        await session.flush()


async def reconcile(session: AsyncSession, ticket_id: int, state: LocalTicketState, desk: str) -> int:
    """Compare the local ticket with its group ticket: DIVERGED (1) with words when they differ.

    Only when nothing waits for delivery: a desk behind an event on its way is not diverging.
    The caller holds the ticket's lock.
    """
    ticket = await session.get(Ticket, ticket_id, populate_existing=True)
    mirror = await session.scalar(select(Mirror).where(Mirror.ticket_id == ticket_id))
    if ticket is None or mirror is None or mirror.status in (MirrorStatus.PAUSED, MirrorStatus.FAILED):
        return 0
    if await session.scalar(undelivered(ticket_id).with_only_columns(OutboxEvent.id).limit(1)) is not None:
        return 0
    if state.status in AGREES.get(ticket.state.value, ()):
        if mirror.status is MirrorStatus.DIVERGED:
            mirror.status, mirror.divergence = MirrorStatus.SYNCED, None
            await changes.changed(session, ticket_id)
        return 0
    names = [s.value.lower() for s in AGREES.get(ticket.state.value, ())]
    wanted: str = names[0] if names else ""
    for name in names[1:]:
        wanted = Message("{either} or {other}", either=wanted, other=name)
    divergence = stored(Message(
        "{desk} {local} is '{status}' but {ticket} is {state} (the local ticket should be {wanted}): "
        "resync the mirror to bring it in line", desk=desk, local=state.ref, status=state.raw_status,
        ticket=ticket.ref, state=ticket.state.value, wanted=wanted))
    if mirror.status is not MirrorStatus.DIVERGED or mirror.divergence != divergence:
        mirror.status = MirrorStatus.DIVERGED
        # Stored as a message, so that each reader reads it in their language (schema.mirror.types).
        mirror.divergence = divergence
        await changes.changed(session, ticket_id)
    return 1
