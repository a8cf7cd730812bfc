"""Open WebSockets by the credentials behind them, so that revoking one closes its sockets at once.

A socket authenticates once, at connection_init, and then lives for hours: a revoked API token or a
deactivated user must not keep using it. Three mechanisms, from fastest to broadest:

- In this process, a commit that revokes a token or deactivates a user or tenant announces it
  (server/identity/revocations.py); the registry wakes the sockets of that token, user or tenant,
  which re-check their holder against the database and close (4403) when it is no longer valid.
- Each operation started over a socket re-checks the holder first (schema/socket_guard.py).
- Each socket re-checks its holder every GROUPDESK_WS_RECHECK_SECONDS, so that a change committed by
  another process (the `groupdesk api-token revoke` command, another server) closes it within that time.

The re-check decides, never the announcement: announcing too much costs a query, not a socket.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SocketHolder:
    """Who a socket acts as: the user, their tenant, and the API token when one opened it."""

    user_id: int
    tenant_id: int
    token_id: int | None = None

    def keys(self) -> list[tuple[str, int]]:
        found = [("user", self.user_id), ("tenant", self.tenant_id)]
        if self.token_id is not None:
            found.append(("token", self.token_id))
        return found


# Returns why the holder may no longer act (the close reason), or None while it still may.
HolderCheck = Callable[[SocketHolder], Awaitable[str | None]]
Close = Callable[[str], Awaitable[None]]


class OpenSocket:
    """One registered socket: re-checks its holder when woken or every `interval` seconds."""

    def __init__(self, holder: SocketHolder, *, check: HolderCheck, close: Close, interval: float) -> None:
        self.holder = holder
        self._check = check
        self._close = close
        self._interval = interval
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self.closed = False

    async def problem(self) -> str | None:
        """Why the holder may no longer act now (a database read), or None."""
        return await self._check(self.holder)

    def wake(self) -> None:
        """Ask for a re-check now; safe from any thread."""
        with contextlib.suppress(RuntimeError):  # the socket's loop has already stopped
            self._loop.call_soon_threadsafe(self._wake.set)

    async def close(self, reason: str) -> None:
        if not self.closed:
            self.closed = True
            await self._close(reason)

    async def watch(self) -> None:
        """Run until the holder is refused (then close the socket) or the task is cancelled."""
        while not self.closed:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._interval)
            self._wake.clear()
            try:
                reason = await self.problem()
            except Exception:  # a database hiccup must not end the watch; the next round retries
                log.warning("cannot re-check the holder of an open WebSocket", exc_info=True)
                continue
            if reason is not None:
                await self.close(reason)


class OpenSockets:
    """The process's open sockets, by ("user" | "tenant" | "token", id)."""

    def __init__(self) -> None:
        self._by_key: dict[tuple[str, int], set[OpenSocket]] = defaultdict(set)
        # Announcements may come from any thread (an engine used from a worker thread in tests).
        self._lock = threading.Lock()

    def add(self, socket: OpenSocket) -> None:
        with self._lock:
            for key in socket.holder.keys():
                self._by_key[key].add(socket)

    def discard(self, socket: OpenSocket) -> None:
        with self._lock:
            for key in socket.holder.keys():
                entries = self._by_key.get(key)
                if entries is not None:
                    entries.discard(socket)
                    if not entries:
                        del self._by_key[key]

    def announce(self, keys: Iterable[tuple[str, int]]) -> int:
        """Wake the sockets of these tokens, users and tenants; returns how many were woken."""
        with self._lock:
            woken = {socket for key in keys for socket in self._by_key.get(key, ())}
        for socket in woken:
            socket.wake()
        return len(woken)

    def __len__(self) -> int:
        with self._lock:
            return len({socket for entries in self._by_key.values() for socket in entries})


OPEN_SOCKETS = OpenSockets()
