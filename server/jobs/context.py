"""What actors use, one set per event loop: an engine, its sessions and the deliveries.

A pooled AsyncEngine (like an httpx client) must not cross event loops, and a dramatiq worker's
loop is not the app's, so resources are made lazily on the loop that asks and closed on it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

import server.models  # noqa: F401  (every mapper and foreign key target, as in the app)
from server.config import Settings
from server.db import create_engine, session_factory
from server.mirror.runtime import DeliveryRuntime, delivery_runtime
from server.notify.delivery import MailDelivery


@dataclass
class JobContext:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    mirror: DeliveryRuntime
    mail: MailDelivery

    async def aclose(self) -> None:
        await self.mirror.aclose()
        await self.engine.dispose()


_contexts: dict[asyncio.AbstractEventLoop, JobContext] = {}


def current() -> JobContext:
    """The running loop's context, made on first use from the environment's settings."""
    loop = asyncio.get_running_loop()
    context = _contexts.get(loop)
    if context is None:
        settings = Settings()
        engine = create_engine(settings.database_url, pool_size=settings.db_pool_size,
                                   max_overflow=settings.db_max_overflow)
        sessions = session_factory(engine)
        context = JobContext(settings, engine, sessions, delivery_runtime(settings, sessions),
                             MailDelivery.for_settings(settings, sessions))
        _contexts[loop] = context
    return context


async def close_current() -> None:
    """Close the running loop's context, if it has one."""
    context = _contexts.pop(asyncio.get_running_loop(), None)
    if context is not None:
        await context.aclose()
