"""An AsyncSession shared by concurrently running GraphQL resolvers.

graphql-core resolves sibling async fields concurrently, and an AsyncSession refuses concurrent
operations. Each awaited call is serialised behind one lock; they all run in one transaction.
"""

from __future__ import annotations

import asyncio
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
        # What is not serialised (below) is the session's own attribute.
        return getattr(self._session, name)


def _serialised(name: str) -> Any:
    async def serialised(self: SerialSession, *args: Any, **kwargs: Any) -> Any:
        async with self._lock:
            return await getattr(self._session, name)(*args, **kwargs)

    serialised.__name__ = serialised.__qualname__ = name
    serialised.__doc__ = getattr(AsyncSession, name).__doc__
    return serialised


# Methods of the class, made once: a request calls execute, scalars, commit... on a new session
# each time, and a wrapper made per call (or per session) costs more than the call's own work here.
for _name in _SERIALISED:
    setattr(SerialSession, _name, _serialised(_name))
