"""Alembic environment: async, batch mode for SQLite, the models' naming convention."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

import server.models  # noqa: F401  (fills the metadata)
from server.db import Base, create_engine
from server.migrations import include_name

config = context.config
target_metadata = Base.metadata


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
        include_name=include_name,
        user_module_prefix="server.db.",
        # `groupdesk migrate` passes a callback to say each step as it is applied.
        on_version_apply=config.attributes.get("on_version_apply", ()),
    )


def _run(connection: Connection) -> None:
    _configure(connection)
    with context.begin_transaction():
        context.run_migrations()


async def _run_async(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await engine.dispose()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        # Called from server.migrations, inside a connection it already opened.
        _run(connection)
        return
    from server.config import Settings

    asyncio.run(_run_async(config.attributes.get("url") or Settings().database_url))


if context.is_offline_mode():
    raise SystemExit("offline SQL generation is not supported; run `groupdesk migrate`")
run_migrations_online()
