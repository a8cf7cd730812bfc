"""Engine, sessions and the declarative base, with the dialect set-up both databases need.

Transaction boundaries. Services and pure modules flush, never commit: a unit of work is committed
or rolled back by its boundary, and these are all of them (tests/spine/test_boundaries.py holds the
code to this list; a new boundary is added here first):

- `schema/context.py`: the GraphQL view, one transaction per request or WebSocket operation.
- `groupdesk/cli.py`: `groupdesk load` (a dry run rolls back).
- `groupdesk/cli_api_tokens.py`: `groupdesk api-token create|list|revoke`.
- `groupdesk/demo_tickets.py`: `groupdesk load --demo-tickets`.
- `groupdesk/app.py`: the demo federation and tickets on a development first start.
- `server/scim/endpoint.py`: the SCIM endpoint, one transaction per SCIM request.
- `server/mirror/hooks.py`: the desk hook, one transaction per call from a school's desk.
- `server/jobs/scheduler.py`: the scheduler's ticks (auto-close, expired idempotency keys, digests,
  the SLA sweep, the stats roll-up).
- `server/mirror/claims.py`: delivery's claims on a ticket's outbox and their outcomes.
- `server/notify/delivery.py`: a notification mail's claim, and its outcome (sent, or retried).
- `server/catalog_sync.py`: a catalogue sync (the import, then its recorded run).
- `server/reports/rollup.py`: the stats roll-up's backfill, one transaction per step of days.
- `server/mirror/poll.py`: one poll of a school's desk (its changes and its cursor together).
- `server/identity/sso_users.py`: SSO user upserts at login.
- `server/identity/auth.py`: an API token's last use, recorded as it authenticates.
- `server/migrations.py`: the migrations, on their own connection.
- `server/db.py`: `writer_session`, the commit-or-roll-back most of the above use; `end_reading`,
  which gives back a connection that read outside a transaction block.

Savepoints (`begin_nested`: a refused mutation, an idempotency key's race) are not boundaries:
they undo part of the boundary's transaction and leave committing to it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import JSON, DateTime, MetaData, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from sqlalchemy.types import TypeDecorator

from server import storable
from server.writer_queue import take_turn

# Named constraints: Alembic can only drop (batch-rebuild) what has a name on SQLite.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_N_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# An execution option a writer sets on its connection before the first statement.
WRITER = "groupdesk_writer"
# An engine's execution option: every statement goes through SQLAlchemy's execution, where its
# events see it (SQL tracing: server.reports.tracing); server.direct_rows then reads none itself.
STATEMENT_EVENTS = "groupdesk_statement_events"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored in UTC and always returned timezone-aware (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        # asyncpg returns timestamptz values in UTC already: kept as they are, not copied.
        return value if value.tzinfo is dt.UTC else value.astimezone(dt.UTC)


JSONType = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


_HELD_KEY = "groupdesk.held"


def hold(session: AsyncSession, *rows: object) -> None:
    """Keep rows in the session until its transaction ends. The identity map holds rows weakly:
    one read for a change (the expert it routed to) is found again there, by the change's
    followers and its answer, only while something holds it."""
    session.info.setdefault(_HELD_KEY, []).extend(rows)


@event.listens_for(Session, "after_commit")
def _release_at_commit(session: Session) -> None:
    if not session.in_nested_transaction():  # a savepoint's release is not the end
        session.info.pop(_HELD_KEY, None)


@event.listens_for(Session, "after_rollback")
def _release_at_rollback(session: Session) -> None:
    session.info.pop(_HELD_KEY, None)


class Timestamps:
    """created_at / updated_at, both UTC."""

    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


def create_engine(url: str, *, echo: bool = False, **kwargs: Any) -> AsyncEngine:
    """An async engine; SQLite gets WAL, foreign keys, a busy timeout and real transactions."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        # No pre-ping: it would cost every checkout a round trip. A connection the server dropped
        # fails its first statement instead; SQLAlchemy then discards the whole pool, that request
        # gets a 503 (server/outages.py) and the next one a fresh connection.
        if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() == "asyncpg":
            # No JIT: compiling a plan costs 15-20 ms, more than any statement of the API runs.
            settings = kwargs.setdefault("connect_args", {}).setdefault("server_settings", {})
            settings.setdefault("jit", "off")
        return create_async_engine(url, echo=echo, **kwargs)
    if parsed.database in (None, "", ":memory:"):
        # One in-memory connection would be shared by every session: one rollback drops all work.
        raise ValueError("an in-memory SQLite database cannot be used; give a file path")
    engine = create_async_engine(url, echo=echo, connect_args={"timeout": 30}, **kwargs)
    _configure_sqlite(engine)
    return engine


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take BEGIN into our own hands: sqlite3 would skip it before SELECT and SAVEPOINT.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A writer must take the lock up front: in WAL a read-then-write transaction that
        # began deferred gets SQLITE_BUSY at once, without waiting for the busy timeout.
        immediate = conn.get_execution_options().get(WRITER, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=True)


@asynccontextmanager
async def writer_session(
    sessions: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    """A session for a unit of work that writes; commits on success, rolls back on error."""
    async with sessions() as session:
        await begin_writing(session)
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        await session.commit()


async def begin_writing(session: AsyncSession) -> None:
    """Begin the session's transaction as a writer: after its turn in this process's writer queue
    (SQLite, see server/writer_queue.py), then with the write lock taken up front."""
    if session.in_transaction():
        return
    await take_turn(session)
    await session.connection(execution_options={WRITER: True})


async def begin_reading(session: AsyncSession) -> bool:
    """Let a session that only reads run each statement on its own (PostgreSQL's autocommit),
    not inside BEGIN ... COMMIT: at READ COMMITTED every statement of a transaction takes its own
    snapshot anyway, so a reader sees exactly what it would have, two round trips sooner. Only
    before its first statement, and not for statements that need a transaction block (SET LOCAL).
    SQLite keeps its transactions (its BEGIN is ours: _configure_sqlite), and so does a session
    joined to a connection's transaction (its bind is not the engine). Whether it applies."""
    if session.in_transaction() or not isinstance(session.bind, AsyncEngine) \
            or session.bind.dialect.name != "postgresql":
        return False
    await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    return True


async def end_reading(session: AsyncSession) -> None:
    """After begin_reading: give the connection back (nothing to undo, no transaction was open),
    so that the session's next statements run in a transaction again."""
    await session.rollback()


# Every session refuses, at flush, text the databases cannot store (NUL, lone surrogates).
storable.install()


class CommitAnnouncer:
    """Ids noted during a transaction, told to subscribers once it really commits.

    SQLAlchemy fires after_commit on a savepoint's release too (every mutation runs in one):
    announcing then would send a deliverer to look before the real commit, so a nested release
    announces nothing. A rolled-back transaction announces nothing either; a savepoint undone
    keeps what came before it (an extra wake-up is harmless). `forget` names other session.info
    keys that hold what one transaction knows, dropped when it ends.
    """

    def __init__(self, key: str, log: logging.Logger, *, forget: tuple[str, ...] = ()) -> None:
        self.key = key
        self.log = log
        self.forget = forget
        self.listeners: list[Callable[[frozenset[int]], None]] = []
        event.listen(Session, "after_commit", self._committed)
        event.listen(Session, "after_rollback", self._rolled_back)

    def subscribe(self, listener: Callable[[frozenset[int]], None]) -> Callable[[], None]:
        """Call `listener(ids)` after each commit that noted ids; returns the undo."""
        self.listeners.append(listener)
        return lambda: self.listeners.remove(listener) if listener in self.listeners else None

    def note(self, session: AsyncSession | Session, ids: Iterable[int]) -> None:
        """Have subscribers told of these ids once the session's transaction commits."""
        session.info.setdefault(self.key, set()).update(ids)

    def _end(self, session: Session) -> set[int] | None:
        for key in self.forget:
            session.info.pop(key, None)
        ids: set[int] | None = session.info.pop(self.key, None)
        return ids

    def _committed(self, session: Session) -> None:
        if session.in_nested_transaction():
            return
        ids = self._end(session)
        if not ids:
            return
        for listener in list(self.listeners):
            try:
                listener(frozenset(ids))
            except Exception:  # the commit is done; the sweep finds what a listener missed
                self.log.exception("listener of %s failed", self.key)

    def _rolled_back(self, session: Session) -> None:
        if not session.in_nested_transaction():
            self._end(session)
