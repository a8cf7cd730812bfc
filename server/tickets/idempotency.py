"""Idempotent ticket opening: a client that retries with the same key gets the same ticket, once.

A client whose connection broke cannot know whether its `openTicket` happened. It sends a key
(`clientMutationId` or the `Idempotency-Key` header) and retries with the same one: the key is
claimed in the opening's own transaction, so either both the claim and the ticket exist or neither.
Two requests racing with one key meet at the unique constraint: the loser waits for the winner's
transaction, sees the claim and answers the winner's ticket. A key is the caller's own (per user)
and holds for GROUPDESK_IDEMPOTENCY_KEY_HOURS; the scheduler's tick deletes expired ones.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Any, cast

from sqlalchemy import CursorResult, ForeignKey, Integer, String, UniqueConstraint, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, UTCDateTime, utcnow
from server.errors import Conflict, ValidationFailed
from server.tickets.models import Ticket
from tenants.context import Principal
from tenants.i18n.messages import Message

KEY_MAX = 200
# The name clients know the key by, in error messages.
KEY_FIELD = "clientMutationId"


class IdempotencyKey(Base):
    """One caller's key for one ticket opening, with a fingerprint of the input it came with."""

    __tablename__ = "idempotency_key"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    key: Mapped[str] = mapped_column(String(KEY_MAX))
    fingerprint: Mapped[str] = mapped_column(String(64))
    # Set in the same transaction as the claim: never seen empty once committed.
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)


def fingerprint(arguments: dict[str, Any]) -> str:
    """A digest of the opening's input: the same key with another input is a client bug."""
    canonical = json.dumps(arguments, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def checked_key(key: str | None, header: str | None) -> str | None:
    """The key from the input or the header (both: they must agree); ValidationFailed names it."""
    given = [k for k in (key, header) if k is not None]
    if not given:
        return None
    if len(set(given)) > 1:
        raise ValidationFailed({KEY_FIELD: Message("differs from the Idempotency-Key header: send one key")})
    value = given[0].strip()
    if not value or len(value) > KEY_MAX:
        raise ValidationFailed({KEY_FIELD: Message("must be 1 to {limit} characters", limit=KEY_MAX)})
    return value


async def _claimed(session: AsyncSession, user_id: int, key: str) -> IdempotencyKey | None:
    stmt = select(IdempotencyKey).where(IdempotencyKey.user_id == user_id, IdempotencyKey.key == key)
    return (await session.execute(stmt.execution_options(populate_existing=True))).scalar_one_or_none()


async def _replay(session: AsyncSession, claim: IdempotencyKey, digest: str) -> Ticket:
    if claim.fingerprint != digest:
        raise Conflict(Message("{field} {key} was already used to open another ticket with a "
                               "different input: use a new key for a new ticket",
                               field=KEY_FIELD, key=repr(claim.key)))
    ticket = await session.get(Ticket, claim.ticket_id)
    assert ticket is not None
    return ticket


async def open_once(session: AsyncSession, *, actor: Principal, key: str, arguments: dict[str, Any],
                    ttl: dt.timedelta, open_ticket: Callable[[], Awaitable[Ticket]]) -> Ticket:
    """Open the ticket unless this caller's key already opened one; then return that one."""
    digest = fingerprint(arguments)
    now = utcnow()
    claim = await _claimed(session, actor.user_id, key)
    if claim is not None and claim.expires_at > now:
        return await _replay(session, claim, digest)
    if claim is not None:  # expired: the key is free again
        await session.delete(claim)
        await session.flush()
    claim = IdempotencyKey(user_id=actor.user_id, tenant_id=actor.tenant_id, key=key,
                           fingerprint=digest, created_at=now, expires_at=now + ttl)
    try:
        # Claimed before the ticket (and its ref counter, the contended row) is touched.
        async with session.begin_nested():
            session.add(claim)
            await session.flush()
    except IntegrityError:
        # A concurrent request with this key won (its transaction committed while we waited).
        if claim in session:
            session.expunge(claim)
        winner = await _claimed(session, actor.user_id, key)
        if winner is None or winner.ticket_id is None:
            raise Conflict(Message("{field} {key} is being used by another request: retry",
                                   field=KEY_FIELD, key=repr(key))) from None
        return await _replay(session, winner, digest)
    ticket = await open_ticket()
    claim.ticket_id = ticket.id
    await session.flush()
    return ticket


async def open_with_key(session: AsyncSession, *, actor: Principal, key: str | None, header: str | None,
                        arguments: dict[str, Any], ttl: dt.timedelta,
                        open_ticket: Callable[[], Awaitable[Ticket]]) -> Ticket:
    """`open_once` when the client sent a key (input or header), a plain opening otherwise."""
    checked = checked_key(key, header)
    if checked is None:
        return await open_ticket()
    return await open_once(session, actor=actor, key=checked, arguments=arguments, ttl=ttl,
                           open_ticket=open_ticket)


async def delete_expired_keys(session: AsyncSession, *, now: dt.datetime) -> int:
    """Forget keys past their time; how many were deleted."""
    result = await session.execute(delete(IdempotencyKey).where(IdempotencyKey.expires_at <= now))
    return int(cast("CursorResult[Any]", result).rowcount or 0)  # a DELETE gives a CursorResult
