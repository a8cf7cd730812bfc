"""What a commit publishes: only committed events, once, after the real commit; never a savepoint's
rolled-back work, never a rolled-back transaction's, and a ticket's facts before and after."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.live import publish
from server.notify.models import Notification
from server.live.messages import LiveMessage, NotificationPosted, TicketChanged, decode, encode
from server.tickets import actions, comments, service
from server.tickets.models import Visibility
from tests.tickets.helpers import (
    ACCOUNT_CREATION,
    ACCOUNT_REQUEST,
    LYON_AGENT,
    ROUEN_EXPERT,
    principal,
    sub_service_id,
    user_id,
)


class Recorder:
    """An outlet that keeps what this process's commits hand over."""

    def __init__(self) -> None:
        self.batches: list[list[LiveMessage]] = []

    def accept(self, messages: list[LiveMessage], loop: asyncio.AbstractEventLoop | None) -> None:
        self.batches.append(messages)


@pytest.fixture
def recorded() -> Iterator[Recorder]:
    recorder = Recorder()
    publish.attach(recorder)
    try:
        yield recorder
    finally:
        publish.detach(recorder)


async def _open(session: AsyncSession) -> int:
    ticket = await service.open_ticket(session, actor=await principal(session, LYON_AGENT),
                                       sub_service_id=await sub_service_id(session, ACCOUNT_CREATION),
                                       title="t", request_data=ACCOUNT_REQUEST)
    return ticket.id


async def test_an_opening_is_one_message_with_its_events_after_commit_and_no_before(
        sessions: async_sessionmaker[AsyncSession], recorded: Recorder) -> None:
    async with sessions() as session:
        ticket_id = await _open(session)
        assert recorded.batches == []  # nothing before the commit
        await session.commit()
    [batch] = recorded.batches
    # One message for the ticket; the notifications the opening posted (the routed expert's, the
    # school's) come in the same batch, each its own message.
    [message] = [m for m in batch if isinstance(m, TicketChanged)]
    assert all(isinstance(m, NotificationPosted) and m.ticket_id == ticket_id
               for m in batch if m is not message)
    assert message.ticket_id == ticket_id and message.before is None
    assert [e.kind for e in message.events] == ["OPENED", "ROUTED"]
    assert message.after.state == "ASSIGNED"


async def test_a_change_carries_the_facts_before_and_after_it(
        sessions: async_sessionmaker[AsyncSession], recorded: Recorder) -> None:
    async with sessions() as session:
        ticket_id = await _open(session)
        await session.commit()
        expert = await principal(session, ROUEN_EXPERT)
        await actions.perform(session, actor=expert, ticket_id=ticket_id, action="START", expected_version=None)
        await actions.perform(session, actor=expert, ticket_id=ticket_id, action="HOLD", expected_version=None,
                              reason="which platform?")
        await session.commit()
    message = recorded.batches[-1][0]
    assert isinstance(message, TicketChanged) and message.before is not None
    assert (message.before.state, message.after.state) == ("ASSIGNED", "PENDING")
    assert [e.kind for e in message.events] == ["STATE_CHANGED", "PUT_ON_HOLD"]
    assert message.after.assignee_id == message.before.assignee_id == await user_id(session, ROUEN_EXPERT)


async def test_a_savepoint_publishes_nothing_until_the_real_commit_and_a_rolled_back_one_nothing_at_all(
        sessions: async_sessionmaker[AsyncSession], recorded: Recorder) -> None:
    async with sessions() as session:
        ticket_id = await _open(session)
        await session.commit()
        recorded.batches.clear()
        agent = await principal(session, LYON_AGENT)
        async with session.begin_nested():
            await comments.add_comment(session, actor=agent, ticket_id=ticket_id, body="kept")
        assert recorded.batches == []  # a released savepoint is not a commit
        with pytest.raises(RuntimeError):
            async with session.begin_nested():
                await comments.add_comment(session, actor=agent, ticket_id=ticket_id, body="refused")
                raise RuntimeError("the mutation is refused")
        await session.commit()
        [batch] = recorded.batches
        [message] = [m for m in batch if isinstance(m, TicketChanged)]
        assert len(message.events) == 1
        # The kept comment's notifications are published; the refused one's were rolled back
        # with its savepoint and are published neither.
        posted = sorted(m.notification_id for m in batch if isinstance(m, NotificationPosted))
        kept = sorted(await session.scalars(select(Notification.id).where(
            Notification.ticket_id == ticket_id, Notification.kind.in_(("COMMENT", "ANSWER")))))
        assert kept and posted == kept


async def test_a_rolled_back_transaction_publishes_nothing(
        sessions: async_sessionmaker[AsyncSession], recorded: Recorder) -> None:
    async with sessions() as session:
        ticket_id = await _open(session)
        await comments.add_comment(session, actor=await principal(session, ROUEN_EXPERT), ticket_id=ticket_id,
                                   body="never", visibility=Visibility.INTERNAL)
        publish_to = await user_id(session, LYON_AGENT)
        publish.publish_notification(session, user_id=publish_to, notification_id=1, kind="x")
        await session.rollback()
        await session.commit()
    assert recorded.batches == []


def test_messages_travel_in_payloads_under_the_notify_limit() -> None:
    messages: list[LiveMessage] = [NotificationPosted(user_id=i, notification_id=i, kind="k" * 100, ticket_id=None,
                                                      ticket=None) for i in range(500)]
    payloads = encode(messages)
    assert len(payloads) > 1 and all(len(p.encode()) < 8000 for p in payloads)
    assert [m for p in payloads for m in decode(p)] == messages
