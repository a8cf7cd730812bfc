"""History tells its followers of every event, in the change's own transaction; no follower, no change."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from groupdesk.wiring import register_followers
from server.mirror.follow import follow
from server.mirror.models import OutboxEvent
from server.tickets import followers
from server.tickets.models import EventKind, Ticket, TicketEvent
from server.tickets.service import open_ticket
from tests.tickets.helpers import ACCOUNT_CREATION, ACCOUNT_REQUEST, LYON_AGENT, principal, sub_service_id


@contextmanager
def followed_only_by(*only: followers.Follower) -> Iterator[None]:
    """The registry holds exactly `only` inside, and what it held before afterwards."""
    before = followers.registered()
    for follower in before:
        followers.unregister(follower)
    for follower in only:
        followers.register(follower)
    try:
        yield
    finally:
        for follower in followers.registered():
            followers.unregister(follower)
        for follower in before:
            followers.register(follower)


async def _open(session: AsyncSession) -> Ticket:
    return await open_ticket(session, actor=await principal(session, LYON_AGENT),
                             sub_service_id=await sub_service_id(session, ACCOUNT_CREATION),
                             title="Account for a new lecturer", request_data=ACCOUNT_REQUEST)


def test_the_assembly_registers_the_mirror_once_however_often_it_wires() -> None:
    register_followers()
    register_followers()
    assert followers.registered().count(follow) == 1


async def test_each_follower_is_told_of_the_event_in_the_session_that_holds_the_change(session) -> None:
    told: list[tuple[EventKind, EventKind | None, int, bool]] = []

    async def witness(follower_session: AsyncSession, ticket: Ticket, event: TicketEvent) -> None:
        # The event is already a row of this transaction when the follower hears of it.
        stored = await follower_session.scalar(select(TicketEvent.kind).where(TicketEvent.id == event.id))
        told.append((event.kind, stored, ticket.id, follower_session is session))

    with followed_only_by(witness):
        ticket = await _open(session)
    assert told[0] == (EventKind.OPENED, EventKind.OPENED, ticket.id, True)
    assert all(stored == kind and same for kind, stored, _, same in told)
    events = await session.scalar(select(func.count()).select_from(TicketEvent)
                                  .where(TicketEvent.ticket_id == ticket.id))
    assert len(told) == events


async def test_the_mirror_follower_writes_its_outbox_rows_in_the_change_transaction(session) -> None:
    kept = await _open(session)
    kinds = list(await session.scalars(select(OutboxEvent.kind).where(OutboxEvent.ticket_id == kept.id)
                                       .order_by(OutboxEvent.id)))
    assert kinds == ["ticket.opened", "ticket.assigned"]
    # A change undone takes its outbox rows with it: nothing is announced that did not happen.
    outbox_before = await session.scalar(select(func.count()).select_from(OutboxEvent))
    savepoint = await session.begin_nested()
    await _open(session)
    await savepoint.rollback()
    assert await session.scalar(select(func.count()).select_from(OutboxEvent)) == outbox_before


async def test_a_change_in_a_process_wired_without_followers_is_refused(session) -> None:
    tickets_before = await session.scalar(select(func.count()).select_from(Ticket))
    with followed_only_by(), pytest.raises(followers.FollowersNotRegistered, match="register_followers"):
        async with session.begin_nested():
            await _open(session)
    assert await session.scalar(select(func.count()).select_from(Ticket)) == tickets_before
