"""SQLite writers wait their turn in this process, first come first served, before BEGIN IMMEDIATE.

SQLite has one write lock per database. Writers that all sleep in its busy handler retry at
intervals, so whoever retries at the right moment wins and an early writer can wait for seconds
while later ones pass it (a p99 of 3.6 s at 8 clients). Here each writer of this process queues
for the engine's one turn before asking SQLite for the lock, and turns are given in arrival
order; the busy timeout is then only ever spent waiting for another process. PostgreSQL writers
do not queue: they lock rows, not the database.

The turn is taken by `take_turn` before the transaction begins and given back when the session's
transaction ends (commit, rollback or close), whatever path ends it.
"""

from __future__ import annotations

import asyncio
import weakref
from collections import deque
from typing import Any

from sqlalchemy import Connection, Engine, event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

_HELD = "groupdesk.writer_turn"


class WriterQueue:
    """One turn at a time, handed out in the order it was asked for (a FIFO of waiters)."""

    def __init__(self) -> None:
        self._busy = False
        self._waiters: deque[asyncio.Future[None]] = deque()

    @property
    def waiting(self) -> int:
        """How many writers wait for the turn (not counting the one holding it)."""
        return sum(1 for w in self._waiters if not w.done())

    @property
    def busy(self) -> bool:
        return self._busy

    async def acquire(self) -> None:
        if not self._busy and not self._waiters:
            self._busy = True
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release()  # the turn came as we were cancelled: pass it on
            else:
                self._waiters.remove(waiter)
            raise

    def release(self) -> None:
        """Hand the turn to the longest waiting writer, or free it."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)  # the turn passes directly: nobody can barge in
                return
        self._busy = False


_queues: weakref.WeakKeyDictionary[Any, WriterQueue] = weakref.WeakKeyDictionary()


def queue_of(engine: AsyncEngine | Engine) -> WriterQueue | None:
    """The engine's queue; None for databases whose writers need none (PostgreSQL)."""
    sync = engine.sync_engine if isinstance(engine, AsyncEngine) else engine
    if sync.dialect.name != "sqlite":
        return None
    queue = _queues.get(sync)
    if queue is None:
        queue = _queues[sync] = WriterQueue()
    return queue


async def take_turn(session: AsyncSession) -> None:
    """Wait for this writer's turn before its transaction begins (SQLite; nothing elsewhere)."""
    if _HELD in session.info or session.in_transaction():
        return
    bind = session.get_bind()
    queue = queue_of(bind.engine if isinstance(bind, Connection) else bind)
    if queue is None:
        return
    await queue.acquire()
    session.info[_HELD] = queue


def _give_back(session: Session) -> None:
    queue = session.info.pop(_HELD, None)
    if queue is not None:
        queue.release()


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the session's own transaction, not a savepoint
        _give_back(session)


@event.listens_for(Session, "after_soft_rollback")
def _after_soft_rollback(session: Session, previous_transaction: SessionTransaction) -> None:
    if not session.in_transaction():
        _give_back(session)
