"""Delivering a ticket's outbox events to its school's desk, oldest first, at least once.

The same code runs in the dramatiq actors and in the embedded relay. One delivery at a time per
ticket (see server.mirror.claims); the create step looks the group ref up on the desk before
creating and keeps the remote id at once; each event's id goes to the connector, which tags what
it writes with it, so a repeated event is recognised on the desk.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.db import utcnow
from server.mirror.claims import Claim, Claims
from server.mirror.models import OutboxEvent
from server.mirror.outbox import desk_event
from server.mirror.retry import RetryPolicy
from tenants.desks import DeskConfig, DeskConnector, DeskError, EventKind

log = logging.getLogger("groupdesk.mirror")
ROUNDS = 3

ConnectorFactory = Callable[[DeskConfig], DeskConnector]


@dataclass(frozen=True)
class Outcome:
    """What one delivery run did; `retry_in_ms` is set when the ticket waits for its next attempt."""

    delivered: int = 0
    busy: bool = False
    paused: bool = False
    retry_in_ms: int | None = None
    error: str | None = None
    # Events still wait after the rounds one run allows: the caller delivers again at once.
    more: bool = False


class MirrorDelivery:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, policy: RetryPolicy,
                 lease_seconds: float, connectors: ConnectorFactory,
                 clock: Callable[[], dt.datetime] = utcnow, installation: str | None = None) -> None:
        self.claims = Claims(sessions, policy=policy, lease_seconds=lease_seconds, clock=clock,
                             installation=installation)
        self.connectors = connectors

    async def deliver(self, ticket_id: int) -> Outcome:
        """Deliver everything due for one ticket; `busy` when another delivery holds it."""
        total = 0
        # Most messages find the ticket drained by the delivery of an earlier one: a cheap read
        # spares them a claim.
        more = await self.claims.has_undelivered(ticket_id)
        for _ in range(ROUNDS):
            if not more:
                break
            claim = await self.claims.take(ticket_id)
            if claim is None:
                return Outcome(total, busy=True)
            try:
                outcome, more = await self._run(claim)
            finally:
                if not claim.released:
                    more = await self.claims.release(claim)
            total += outcome.delivered
            if outcome.busy or outcome.paused or outcome.error:
                return Outcome(total, busy=outcome.busy, paused=outcome.paused,
                               retry_in_ms=outcome.retry_in_ms, error=outcome.error)
            # `more`: events committed while we held the ticket, announced to deliveries that
            # found it busy; the next round takes them.
        # Still more after the last round: say so, rather than leave them to the next sweep.
        return Outcome(total, more=more)

    async def _run(self, claim: Claim) -> tuple[Outcome, bool]:
        if not claim.events:
            return Outcome(), False
        first = claim.events[0]
        if claim.config is None:
            return await self._failed(claim, first, claim.config_error or "no desk", False, 0)
        config = claim.config
        if config.kind is not claim.desk_kind and claim.remote is not None:
            return await self._failed(
                claim, first, f"the school's desk changed from {claim.desk_kind.value} to "
                f"{config.kind.value}; retry the mirror to open the ticket on the new desk", False, 0)
        delivered, more = 0, False
        connector = self.connectors(config)
        current = first
        try:
            for index, row in enumerate(claim.events):
                current = row
                if (remote := claim.remote) is None:
                    ticket = desk_event(row, None, config.installation).ticket
                    remote = await connector.find(ticket.group_ref) or await connector.create(ticket)
                    await self.claims.keep_remote(claim, remote, config.kind)
                if row.kind != EventKind.OPENED.value:
                    await connector.apply(remote, desk_event(row, remote, config.installation))
                last = index == len(claim.events) - 1
                held, more = await self.claims.delivered(claim, row.id, release=last)
                if not held:
                    return Outcome(delivered, busy=True), True  # our claim lapsed: another goes on
                delivered += 1
        except DeskError as exc:
            return await self._failed(claim, current, exc.message, exc.retryable, delivered)
        except Exception as exc:  # a bug or a broken desk answer: say so, and retry like a failure
            log.exception("mirror delivery of ticket %s failed unexpectedly", claim.ticket_id)
            return await self._failed(claim, current, f"unexpected error: {type(exc).__name__}: {exc}",
                                      True, delivered)
        finally:
            await connector.aclose()
        return Outcome(delivered), more

    async def _failed(self, claim: Claim, row: OutboxEvent, message: str, retryable: bool,
                      delivered: int) -> tuple[Outcome, bool]:
        paused, retry_in, text = await self.claims.failed(claim, row, message, retryable=retryable)
        ref = (row.payload.get("ticket") or {}).get("group_ref", "?")
        if paused:
            log.warning("mirror of ticket %s (%s) paused at event %s (%s): %s", claim.ticket_id, ref,
                        row.id, row.kind, message)
        elif retry_in is not None:
            log.warning("mirror delivery of ticket %s (%s) event %s (%s) failed, retry in %s ms: %s",
                        claim.ticket_id, ref, row.id, row.kind, retry_in, message)
        return Outcome(delivered, paused=paused, retry_in_ms=retry_in, error=text), True
