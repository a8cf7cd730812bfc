"""Run an ASGI app on uvicorn in a background thread, on a loopback port that survives restarts."""

from __future__ import annotations

import socket
import threading
from typing import Any

import uvicorn

# Tests read messages in English (their source text) unless they are about the language: the
# Accept-Language every test client sends by default (messages are French by default otherwise).
ENGLISH = {"Accept-Language": "en"}


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _hold(port: int) -> socket.socket:
    """A socket bound to the port and not listening: it keeps the port ours (no other process's
    server is given it) while connecting to it is refused."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # Bound again right after a stop: connections of the last run may still be in TIME_WAIT.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", port))
    except OSError:
        sock.close()
        raise
    return sock


class _Server(uvicorn.Server):
    """uvicorn's server, telling the test's thread when it listens and when it stopped listening."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.listening = threading.Event()
        self.closed = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self.listening.set()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        # uvicorn's shutdown closes the listening sockets first (closing twice changes nothing):
        # told now, the port is held again before the rest of the shutdown runs.
        for server in self.servers:
            server.close()
        self.closed.set()
        await super().shutdown(sockets)

    def run_and_tell(self, sock: socket.socket) -> None:
        try:
            self.run(sockets=[sock])
        finally:  # a server that failed to start, or ended, tells as well: nobody waits forever
            self.listening.set()
            self.closed.set()


class LiveServer:
    """Start, stop (connection refused) and restart an app on the same 127.0.0.1 port.

    The port stays this server's from creation to `close` (or leaving its `with`): while stopped,
    a socket bound to it and not listening refuses connections, so the tests running in another
    process (pytest-xdist) never get this port for a server of theirs and answer in its place.
    """

    def __init__(self, app: Any, *, ws: str = "none", lifespan: str = "off") -> None:
        self.app = app
        # ws="websockets-sansio" serves WebSocket routes; lifespan="on" runs the app's start-up and shutdown.
        self.ws = ws
        self.lifespan = lifespan
        self._held: socket.socket | None = _hold(0)
        self.port = int(self._held.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Listen and wait until uvicorn accepts connections."""
        if self._server is not None:
            return
        # The held socket becomes the listening one (asyncio's create_server calls listen on it).
        sock, self._held = self._held or _hold(self.port), None
        config = uvicorn.Config(
            self.app, log_level="warning", lifespan=self.lifespan, ws=self.ws, http="h11", access_log=False
        )
        server = _Server(config)
        thread = threading.Thread(target=server.run_and_tell, args=(sock,), daemon=True)
        thread.start()
        # The timeout only guards against a hang: a busy machine starts slowly, never wrongly.
        if not server.listening.wait(timeout=60) or not server.started:
            sock.close()
            raise RuntimeError("test server did not start")
        self._server, self._thread = server, thread

    def stop(self) -> None:
        """Close the listening socket: clients now get connection refused; the port stays held."""
        if self._server is None or self._thread is None:
            return
        self._server.should_exit = True
        # Hold the port again as soon as uvicorn has closed its listening socket, not once its
        # shutdown is over, so that no other process is given it in between.
        self._server.closed.wait(timeout=60)  # a hang guard only
        try:
            self._held = _hold(self.port)
        except OSError as exc:
            raise RuntimeError(f"port {self.port} was taken while the test server stopped") from exc
        self._thread.join(timeout=5)
        self._server = self._thread = None

    def close(self) -> None:
        """Stop, and give the port back."""
        self.stop()
        if self._held is not None:
            self._held.close()
            self._held = None

    def __del__(self) -> None:
        held = getattr(self, "_held", None)
        if held is not None:
            held.close()

    def __enter__(self) -> LiveServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"


class SwitchableDesk:
    """Test controls shared by the fake desks: take the server down (two ways) and back up.

    Subclasses set `self.server` (a LiveServer) and read `self.mode` ("up" or "503") per request.
    """

    server: LiveServer
    mode: str = "up"

    def start(self) -> None:
        self.server.start()

    def stop(self) -> None:
        self.server.stop()

    def down(self, how: str = "refused") -> None:
        """`refused`: nothing listens; `503`: the web server answers Service Unavailable."""
        if how == "refused":
            self.server.stop()
        else:
            self.mode = "503"

    def up(self) -> None:
        self.mode = "up"
        self.server.start()
