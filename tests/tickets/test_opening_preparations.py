"""An opening lets its followers read ahead before the ref counter, then writes its events together."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.identity.models import User
from server.identity.queries import users_by_ids
from server.sla import remembered
from server.sla.targets import Targets, store_targets
from server.tickets import followers
from server.tickets.models import EventKind, Ticket, TicketEvent
from server.tickets.service import open_ticket
from tests.tickets.helpers import (
    ACCOUNT_CREATION,
    ACCOUNT_REQUEST,
    LYON_AGENT,
    LYON_EXPERT,
    principal,
    sub_service_id,
    user_id,
)
from tests.tickets.test_statement_count import counting


@contextmanager
def also_followed_by(follower: followers.Follower, prepare: followers.Preparation) -> Iterator[None]:
    """The assembly's followers, then `follower` with its preparation; the registry as it was after."""
    followers.register(follower, prepare=prepare)
    try:
        yield
    finally:
        followers.unregister(follower)


async def _open(session: AsyncSession) -> Ticket:
    return await open_ticket(session, actor=await principal(session, LYON_AGENT),
                             sub_service_id=await sub_service_id(session, ACCOUNT_CREATION),
                             title="Account for a new lecturer", request_data=ACCOUNT_REQUEST)


async def test_a_preparation_sees_the_routed_ticket_before_it_is_written_or_numbered(session) -> None:
    seen: list[tuple[Any, ...]] = []

    async def prepare(prepare_session: AsyncSession, ticket: Ticket) -> None:
        counted = await prepare_session.scalar(select(Ticket.id).where(Ticket.title == ticket.title))
        seen.append(("prepared", ticket.id, ticket.ref, ticket.assignee_id, counted))

    async def follow(follow_session: AsyncSession, ticket: Ticket, event: TicketEvent) -> None:
        seen.append(("told", event.kind, ticket.id))

    with also_followed_by(follow, prepare):
        ticket = await _open(session)
    assert ticket.assignee_id is not None
    # Routed already, not yet written, no ref taken: the counter's lock is not held while it reads.
    assert seen == [("prepared", None, None, ticket.assignee_id, None),
                    ("told", EventKind.OPENED, ticket.id), ("told", EventKind.ROUTED, ticket.id)]


async def test_an_openings_events_are_one_insert_then_told_in_order_with_their_ids(session, engine) -> None:
    told: list[tuple[EventKind, int, EventKind | None]] = []

    async def prepare(prepare_session: AsyncSession, ticket: Ticket) -> None:
        return None

    async def follow(follow_session: AsyncSession, ticket: Ticket, event: TicketEvent) -> None:
        # Both rows exist when the first is told: each follower finds its own by id.
        stored = await follow_session.scalar(select(TicketEvent.kind).where(TicketEvent.id == event.id))
        told.append((event.kind, event.id, stored))

    with also_followed_by(follow, prepare), counting(engine) as statements:
        ticket = await _open(session)
    inserts = [s for s in statements if s.lstrip().upper().startswith("INSERT INTO TICKET_EVENT")]
    assert len(inserts) == 1, inserts
    assert [(kind, stored) for kind, _, stored in told] == [(EventKind.OPENED, EventKind.OPENED),
                                                           (EventKind.ROUTED, EventKind.ROUTED)]
    assert told[0][1] < told[1][1]  # history's order is the recording order
    history = (await session.scalars(select(TicketEvent.kind).where(TicketEvent.ticket_id == ticket.id)
                                     .order_by(TicketEvent.id))).all()
    assert history == [EventKind.OPENED, EventKind.ROUTED]


async def test_targets_stored_in_the_transaction_are_read_again(session) -> None:
    sub = await sub_service_id(session, ACCOUNT_CREATION)
    first = await _open(session)  # the transaction now remembers this sub-service's targets
    before = await remembered.targets(session, sub, first.priority)
    assert before == Targets(first.take_target_seconds, first.resolve_target_seconds)
    assert before != Targets(600, 7200)
    await store_targets(session, sub, first.priority, Targets(take_seconds=600, resolve_seconds=7200))
    assert await remembered.targets(session, sub, first.priority) == Targets(600, 7200)
    second = await _open(session)
    assert (second.take_target_seconds, second.resolve_target_seconds) == (600, 7200)


async def test_users_the_session_holds_are_not_read_again(session, engine) -> None:
    held_id = await user_id(session, LYON_EXPERT)
    held = await session.get(User, held_id)
    other_id = await user_id(session, LYON_AGENT)
    with counting(engine) as statements:
        found = await users_by_ids(session, ids=[held_id])
    assert found == {held_id: held} and statements == []
    session.expunge_all()  # nothing held any more: read, in one statement
    with counting(engine) as statements:
        found = await users_by_ids(session, ids=[held_id, other_id])
    assert sorted(found) == sorted([held_id, other_id]) and len(statements) == 1, statements
