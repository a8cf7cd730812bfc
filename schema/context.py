"""The per-request GraphQL context: the caller, one database session, the request's loaders."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from strawberry.types import Info as StrawberryInfo

from schema.errors import Unauthenticated
from server.config import Settings
from server.db import begin_writing, utcnow
from server.db_serial import SerialSession
from server.live.hub import LiveHub
from tenants.context import Principal
from tenants.i18n import DEFAULT_LANGUAGE

if TYPE_CHECKING:
    from schema.loaders import Loaders


@dataclass
class Context:
    settings: Settings
    sessions: async_sessionmaker[AsyncSession]
    principal: Principal | None
    request: Any = None
    response: Any = None
    request_id: str = "-"
    # The language messages are rendered in (schema.languages): the request's, else the caller's.
    language: str = DEFAULT_LANGUAGE
    # A WebSocket connection's context: each operation on it runs with its own copy (for_operation).
    websocket: bool = False
    # The graphql-transport-ws connection_init payload (strawberry sets it).
    connection_params: Any = None
    # This process's live updates fan-out (subscriptions), when the app has one.
    live: LiveHub | None = None
    _session: AsyncSession | None = None
    _loaders: Loaders | None = None
    extras: dict[str, Any] = field(default_factory=dict)
    # "Now" for time-based answers (a ticket's SLA clock); tests pass a clock they move by hand.
    clock: Callable[[], dt.datetime] = utcnow

    def for_operation(self) -> Context:
        """A copy for one operation of a WebSocket: its own session and loaders, the same caller."""
        return replace(self, _session=None, _loaders=None, extras={})

    @property
    def session(self) -> AsyncSession:
        """Opened on first use; the view commits or rolls it back once the operation is done."""
        if self._session is None:
            self._session = SerialSession(self.sessions())  # type: ignore[assignment]
        return self._session

    @property
    def loaders(self) -> Loaders:
        if self._loaders is None:
            from schema.loaders import Loaders

            self._loaders = Loaders(self.session, self.principal, self.clock)
        return self._loaders

    @property
    def viewer(self) -> Principal:
        """The authenticated caller; anonymous requests get an UNAUTHENTICATED error."""
        if self.principal is None:
            raise Unauthenticated()
        return self.principal

    async def begin_writing(self) -> None:
        """The operation writes: its transaction is a writer's from its start (its turn in the
        writer queue, SQLite's lock up front). Over HTTP the session may already hold a reader's
        transaction, authentication having read a caller seen for the first time in it
        (schema.view): that one is ended first."""
        session = self.session
        if session.in_transaction():
            await session.rollback()
        await begin_writing(session)

    async def finish(self, *, success: bool) -> None:
        session, self._session, self._loaders = self._session, None, None
        if session is None or not session.sync_session.in_transaction():
            return  # nothing read or written: no transaction to end, no connection to give back
        try:
            if success:
                await session.commit()
            else:
                await session.rollback()
        finally:
            await session.close()


Info = StrawberryInfo[Context, None]
