"""Production never migrates on its own: a schema behind head is refused, saying what to run.

At start the app refuses to start on a stale schema. A database that does not answer at start is
not a reason to stay down: the check is then made by the first requests once it answers, which
get a 503 with the same words until the schema is at head (server.outages answers it).
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.ext.asyncio import AsyncEngine

from server import migrations
from server.errors import ConfigurationError
from server.outages import ServiceUnavailable, outage_of

log = logging.getLogger("groupdesk")


class SchemaGate:
    def __init__(self, engine: AsyncEngine, *, enabled: bool) -> None:
        self.engine = engine
        # Once the schema was seen at head it stays there: only `groupdesk migrate` moves it.
        self.passed = not enabled
        self._lock = asyncio.Lock()

    async def _stale(self) -> str | None:
        current, head = await migrations.current_revision(self.engine), migrations.head_revision()
        return None if current == head else migrations.stale_schema_message(current, head)

    async def at_start(self) -> None:
        """Refuse to start on a stale schema; leave the check to requests if the database is down."""
        if self.passed:
            return
        try:
            stale = await self._stale()
        except Exception as exc:
            if outage_of(exc) is None:
                raise
            log.warning("the database does not answer at start: its schema is checked once it does")
            return
        if stale is not None:
            raise ConfigurationError(stale)
        self.passed = True

    async def check(self) -> None:
        """Per request until passed: a database outage or a stale schema is a 503."""
        if self.passed:
            return
        async with self._lock:
            if self.passed:  # another request may have passed it while this one waited
                return  # type: ignore[unreachable]
            stale = await self._stale()
            if stale is not None:
                raise ServiceUnavailable(stale, dependency="database schema")
            self.passed = True
