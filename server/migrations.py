"""Running Alembic from the service: upgrade, downgrade, and "is the schema at head?"."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.environment import NameFilterParentNames
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

ROOT = Path(__file__).resolve().parent.parent


def include_name(name: str | None, type_: str, _parents: NameFilterParentNames) -> bool:
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


@dataclass(frozen=True)
class Step:
    """One migration just applied: from which revision to which, and what it does."""

    source: str | None
    destination: str | None
    upgrade: bool
    doc: str

    def __str__(self) -> str:
        arrow = "upgraded" if self.upgrade else "downgraded"
        return f"{arrow} {self.source or 'empty'} -> {self.destination or 'empty'}: {self.doc}"


OnStep = Callable[[Step], None]


def _step_callback(on_step: OnStep) -> Callable[..., None]:
    def callback(*, step: Any, **_: Any) -> None:
        on_step(Step(source=",".join(step.source_revision_ids) or None,
                     destination=",".join(step.destination_revision_ids) or None,
                     upgrade=step.is_upgrade, doc=_one_line(step.up_revision.doc)))
    return callback


async def _with_connection(engine: AsyncEngine, action: str, revision: str,
                           on_step: OnStep | None = None) -> None:
    def run(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        if on_step is not None:
            config.attributes["on_version_apply"] = [_step_callback(on_step)]
        getattr(command, action)(config, revision)

    async with engine.connect() as connection:
        sqlite = engine.dialect.name == "sqlite"
        if sqlite:
            # Batch mode rebuilds a table by copy, drop and rename; with foreign keys enforced the
            # drop fails once other rows reference it. SQLite ignores this pragma inside a
            # transaction, so it is set on the driver's connection before the migration begins.
            await _sqlite_pragma(connection, "PRAGMA foreign_keys=OFF")
        try:
            await connection.run_sync(run)
            if sqlite:
                problems = (await connection.exec_driver_sql("PRAGMA foreign_key_check")).fetchall()
                if problems:
                    raise RuntimeError(f"migration {action} to {revision} broke foreign keys: {problems[:5]}")
            await connection.commit()
        finally:
            if sqlite:
                await connection.rollback()
                await _sqlite_pragma(connection, "PRAGMA foreign_keys=ON")


async def _sqlite_pragma(connection: Any, statement: str) -> None:
    raw = await connection.get_raw_connection()
    await raw.driver_connection.execute(statement)


async def upgrade(engine: AsyncEngine, revision: str = "head", on_step: OnStep | None = None) -> None:
    await _with_connection(engine, "upgrade", revision, on_step)


async def downgrade(engine: AsyncEngine, revision: str, on_step: OnStep | None = None) -> None:
    await _with_connection(engine, "downgrade", revision, on_step)


def history() -> list[tuple[str, str]]:
    """Every revision from the first to head, with its one-line description."""
    script = ScriptDirectory.from_config(alembic_config())
    revisions = list(script.walk_revisions("base", "heads"))
    return [(r.revision, _one_line(r.doc)) for r in reversed(revisions)]


def _one_line(doc: str | None) -> str:
    return " ".join((doc or "").split()).rstrip(".")


async def current_revision(engine: AsyncEngine) -> str | None:
    def read(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with engine.connect() as connection:
        return await connection.run_sync(read)



def stale_schema_message(current: str | None, head: str) -> str:
    return f"the database schema is at {current or 'base (empty)'}, head is {head}: run groupdesk migrate"
