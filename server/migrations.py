"""Running Alembic from the service: upgrade, downgrade, and "is the schema at head?"."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

ROOT = Path(__file__).resolve().parent.parent


def include_name(name: str | None, type_: str, _parents: dict) -> bool:
    """What autogenerate compares: not FTS5 shadow tables, which migrations manage by hand."""
    return not (type_ == "table" and name is not None and name.startswith(("ticket_fts", "sqlite_")))


def alembic_config() -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "alembic"))
    return config


def head_revision() -> str:
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    if len(heads) != 1:
        raise RuntimeError(f"migration history must be linear, found heads {heads}")
    return heads[0]


async def _with_connection(engine: AsyncEngine, action: str, revision: str) -> None:
    def run(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        getattr(command, action)(config, revision)

    async with engine.connect() as connection:
        await connection.run_sync(run)
        await connection.commit()


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    await _with_connection(engine, "upgrade", revision)


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    await _with_connection(engine, "downgrade", revision)


async def current_revision(engine: AsyncEngine) -> str | None:
    def read(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with engine.connect() as connection:
        return await connection.run_sync(read)



def stale_schema_message(current: str | None, head: str) -> str:
    return f"the database schema is at {current or 'base (empty)'}, head is {head}: run groupdesk migrate"
