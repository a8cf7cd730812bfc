"""A SQLite database of its own, migrated and holding the demo federation, for tests that serve a live app."""

from __future__ import annotations

from pathlib import Path

from server import migrations
from server.db import create_engine, session_factory, writer_session
from server.importing import import_federation
from tenants.federation import demo_federation_path, load_federation


async def demo_sqlite(directory: Path, name: str = "demo.db") -> str:
    """The URL of a new database file in `directory`, at head with the demo federation committed."""
    url = f"sqlite+aiosqlite:///{directory / name}"
    engine = create_engine(url)
    try:
        await migrations.upgrade(engine)
        async with writer_session(session_factory(engine)) as session:
            await import_federation(session, load_federation(demo_federation_path()))
    finally:
        await engine.dispose()
    return url
