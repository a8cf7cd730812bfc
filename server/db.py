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
  the SLA sweep).
- `server/mirror/claims.py`: delivery's claims on a ticket's outbox and their outcomes.
- `server/notify/delivery.py`: a notification mail's claim, and its outcome (sent, or retried).
- `server/identity/sso_users.py`: SSO user upserts at login.
- `server/identity/auth.py`: an API token's last use, recorded as it authenticates.
- `server/migrations.py`: the migrations, on their own connection.
- `server/db.py`: `writer_session`, the commit-or-roll-back most of the above use.

Savepoints (`begin_nested`: a refused mutation, an idempotency key's race) are not boundaries:
they undo part of the boundary's transaction and leave committing to it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import JSON, DateTime, MetaData, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from server import storable

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
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


JSONType = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Timestamps:
    """created_at / updated_at, both UTC."""

    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


def create_engine(url: str, *, echo: bool = False, **kwargs: Any) -> AsyncEngine:
    """An async engine; SQLite gets WAL, foreign keys, a busy timeout and real transactions."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        kwargs.setdefault("pool_pre_ping", True)
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
        await session.connection(execution_options={WRITER: True})
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        await session.commit()


# Every session refuses, at flush, text the databases cannot store (NUL, lone surrogates).
storable.install()
