"""Run an ASGI app on uvicorn in a background thread, on a loopback port that survives restarts."""

from __future__ import annotations

import socket
import threading
import time
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
        self._server: uvicorn.Server | None = None
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
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        deadline = time.monotonic() + 60  # generous: a busy machine starts slowly, never wrongly
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                sock.close()
                raise RuntimeError("test server did not start")
            time.sleep(0.005)
        self._server, self._thread = server, thread

    def stop(self) -> None:
        """Close the listening socket: clients now get connection refused; the port stays held."""
        if self._server is None or self._thread is None:
            return
        self._server.should_exit = True
        # Hold the port again as soon as uvicorn closes its listening socket (a bind fails while
        # it listens), not once its shutdown is over: the port is free for a millisecond at most.
        while self._held is None:
            try:
                self._held = _hold(self.port)
            except OSError:
                if not self._thread.is_alive():
                    try:
                        self._held = _hold(self.port)
                    except OSError as exc:
                        raise RuntimeError(f"port {self.port} was taken while the test server stopped") from exc
                    break
                time.sleep(0.001)
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
