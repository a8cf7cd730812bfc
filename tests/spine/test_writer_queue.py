"""SQLite writers of one process get the write lock in the order they asked for it."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from server.db import session_factory, writer_session
from server.writer_queue import WriterQueue, queue_of


async def _until(condition) -> None:
    """Let the other tasks run until `condition` holds (they only need the loop, not time)."""
    loop = asyncio.get_running_loop()
    for _ in range(10_000):
        if condition():
            return
        turn = loop.create_future()
        loop.call_soon(turn.set_result, None)
        await turn
    raise AssertionError("the condition never held")


@settings(max_examples=50, deadline=None)
@given(st.lists(st.booleans(), min_size=1, max_size=12))
def test_turns_are_given_in_arrival_order_even_when_waiters_give_up(gives_up: list[bool]) -> None:
    async def scenario() -> None:
        queue, served = WriterQueue(), []
        await queue.acquire()

        async def writer(n: int) -> None:
            await queue.acquire()
            served.append(n)
            queue.release()

        tasks = []
        for n in range(len(gives_up)):
            tasks.append(asyncio.create_task(writer(n)))
            await _until(lambda n=n: queue.waiting == n + 1)
        for n, quits in enumerate(gives_up):
            if quits:
                tasks[n].cancel()
        # A late writer arriving as the turn is released must not pass the ones already waiting.
        late = asyncio.create_task(writer(len(gives_up)))
        queue.release()
        await asyncio.gather(*tasks, late, return_exceptions=True)
        stayed = [n for n, quits in enumerate(gives_up) if not quits]
        assert served == [*stayed, len(gives_up)]
        assert not queue.busy and queue.waiting == 0

    asyncio.run(scenario())


async def test_sqlite_writers_begin_in_the_order_they_queued(engine, backend) -> None:
    if backend != "sqlite":
        assert queue_of(engine) is None  # PostgreSQL writers lock rows, they do not queue
        return
    sessions = session_factory(engine)
    queue = queue_of(engine)
    assert queue is not None
    began: list[int] = []
    release = asyncio.Event()

    async def first() -> None:
        async with writer_session(sessions) as session:
            await session.execute(text("SELECT 1"))
            began.append(0)
            await release.wait()

    async def writer(n: int) -> None:
        async with writer_session(sessions) as session:
            await session.execute(text("SELECT 1"))
            began.append(n)

    holder = asyncio.create_task(first())
    await _until(lambda: began == [0])
    writers = []
    for n in range(1, 6):
        writers.append(asyncio.create_task(writer(n)))
        await _until(lambda n=n: queue.waiting == n)
    release.set()
    await asyncio.gather(holder, *writers)
    assert began == [0, 1, 2, 3, 4, 5]
    assert not queue.busy


@pytest.mark.parametrize("outcome", ["commit", "error"])
async def test_the_turn_is_given_back_however_the_transaction_ends(engine, backend, outcome) -> None:
    if backend != "sqlite":
        assert queue_of(engine) is None
        return
    sessions = session_factory(engine)
    queue = queue_of(engine)
    assert queue is not None
    try:
        async with writer_session(sessions) as session:
            await session.execute(text("SELECT 1"))
            assert queue.busy
            if outcome == "error":
                raise LookupError("refused")
    except LookupError:
        pass
    assert not queue.busy
