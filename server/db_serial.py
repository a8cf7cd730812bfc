"""An AsyncSession shared by concurrently running GraphQL resolvers.

graphql-core resolves sibling async fields concurrently, and an AsyncSession refuses concurrent
operations. Each awaited call is serialised behind one lock; they all run in one transaction.
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

_SERIALISED = frozenset({
    "execute", "scalar", "scalars", "get", "flush", "refresh", "delete", "merge",
    "connection", "commit", "rollback", "close", "run_sync", "stream", "stream_scalars",
})


class SerialSession:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._lock = asyncio.Lock()

    @property
    def sync_session(self) -> Any:
        return self._session.sync_session

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._session, name)
        if name not in _SERIALISED:
            return attr

        @functools.wraps(attr)
        async def serialised(*args: Any, **kwargs: Any) -> Any:
            async with self._lock:
                return await attr(*args, **kwargs)

        # Kept on the instance: the next use finds it without coming back here (a request calls
        # execute, scalars, commit... several times each).
        self.__dict__[name] = serialised
        return serialised
