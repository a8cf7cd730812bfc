"""Deliverers are told of new outbox events when the transaction commits, not before."""

from __future__ import annotations

from server.mirror import outbox
from tests.mirror.conftest import EXPERT, SCHOOL, Life, set_desk, webhook_desk


async def test_a_savepoint_released_inside_the_transaction_wakes_nobody_until_the_commit(
        session, life: Life, receiver) -> None:
    await set_desk(session, SCHOOL, webhook_desk(receiver.url))
    await life.open()
    ticket = await life.ticket()
    told: list[frozenset[int]] = []
    undo = outbox.subscribe(told.append)
    try:
        await life.write()
        # Every GraphQL mutation runs in a savepoint; SQLAlchemy reports its release as a commit.
        async with session.begin_nested():
            from server.tickets import actions
            from tests.mirror.conftest import principal

            await actions.perform(session, actor=await principal(session, EXPERT), ticket_id=ticket.id,
                                  action="START", expected_version=ticket.version)
        assert told == []  # the change is not visible to a deliverer yet
        await session.commit()
        assert told == [frozenset({ticket.id})]
    finally:
        undo()


async def test_a_savepoint_undone_keeps_what_the_transaction_wrote_before_it(
        session, life: Life, receiver) -> None:
    await set_desk(session, SCHOOL, webhook_desk(receiver.url))
    await life.write()
    told: list[frozenset[int]] = []
    undo = outbox.subscribe(told.append)
    try:
        from sqlalchemy import select

        from server.catalog.models import SubService
        from server.tickets.service import open_ticket
        from tests.mirror.conftest import AGENT, FORM, principal

        sub = await session.scalar(select(SubService).where(SubService.name == "Account creation"))
        opened = await open_ticket(session, actor=await principal(session, AGENT), sub_service_id=sub.id,
                                   title="Kept", request_data=FORM)
        try:
            async with session.begin_nested():
                await open_ticket(session, actor=await principal(session, AGENT), sub_service_id=sub.id,
                                  title="", request_data=FORM)  # refused: rolled back to the savepoint
        except Exception:
            pass
        await session.commit()
        assert opened.id in told[0]
    finally:
        undo()
