"""`groupdesk serve` around uvicorn: the port is bound before anything starts, and a ready line follows."""

from __future__ import annotations

import errno
import gc
import importlib.util
import socket
import sys
from typing import Any

import uvicorn


class PortInUse(Exception):
    """The address is taken by another process; `str()` is the one line the operator reads."""


def bind(host: str, port: int) -> socket.socket:
    """The listening socket, bound now, so a taken port is reported before the app starts.

    Binding here (rather than checking then letting uvicorn bind) leaves no window in which another
    process could take the port between the check and the start.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    # As uvicorn does: a restarted server may rebind while old connections linger in TIME_WAIT.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise PortInUse(f"groupdesk serve: port {port} on {host} is already in use "
                            "(set GROUPDESK_PORT or --port)") from None
        raise PortInUse(f"groupdesk serve: cannot listen on {host}:{port}: {exc.strerror} "
                        "(set GROUPDESK_HOST/GROUPDESK_PORT or --host/--port)") from None
    sock.set_inheritable(True)
    return sock


def ready_line(host: str, port: int, *, dev_issuer: bool, console: bool = False) -> str:
    """What a person reads once the server answers: where to go, and how to get in."""
    root = f"http://{'[' + host + ']' if ':' in host else host}:{port}"
    url = f"{root}/graphql"
    if not dev_issuer:
        return f"groupdesk: serving the console on {root}/ and GraphQL on {url}" if console \
            else f"groupdesk: serving GraphQL on {url}"
    where = f"the console on {root}/ (sign in as a demo user), GraphiQL on {url}" if console \
        else f"GraphiQL on {url}"
    return (f"groupdesk: ready, {where}; get a token with "
            "`.venv/bin/groupdesk token amandine.roclerc` and send it as the header "
            "Authorization: Bearer <token>")


# Net allocations of tracked objects between two collections of the youngest generation.
YOUNG_COLLECTION_THRESHOLD = 10_000


def settle_heap() -> None:
    """Move everything built at start (modules, the schema, the app) out of the collector's way.

    The process holds about 200,000 long-lived objects once started. Every tenth or so page of
    tickets triggers a full (generation 2) collection, which walked all of them: a 100-250 ms
    pause on an idle 2-core machine, the p99 of single-client pages. Frozen, they are never
    scanned again; the full collections left only walk what requests made (a few ms).

    The youngest generation is collected after 10,000 net allocations instead of 700: a page of
    50 tickets allocates hundreds of short-lived containers, nearly all freed by reference
    counting, and at 700 the collector ran about once every two pages for about 5% of a page's
    CPU; at 10,000 it runs a few times per thousand pages (memory held: a few megabytes at most).
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_COLLECTION_THRESHOLD, *gc.get_threshold()[1:])


class ReadyServer(uvicorn.Server):
    """uvicorn's server that prints the ready line once it listens (not before, not on failure)."""

    def __init__(self, config: uvicorn.Config, ready: str) -> None:
        super().__init__(config)
        self.ready = ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            settle_heap()
        if self.started and self.ready:
            print(self.ready, file=sys.stderr, flush=True)


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def serve(app: Any, sock: socket.socket, host: str, port: int, *, dev_issuer: bool,
          ws_max_size: int, quiet: bool = False, console: bool = False) -> int:
    """Run on the socket `bind` returned until interrupted (`quiet`: no ready line)."""
    # A WebSocket message is bounded like an HTTP body (GROUPDESK_MAX_BODY_BYTES). No `server: uvicorn`
    # banner: it tells an attacker what to try, and a client nothing.
    # httptools parses HTTP/1.1 and uvloop runs the event loop (both from uvicorn[standard]), where
    # the platform has them. uvicorn's access log stays off: the app writes its own JSON access
    # line (server.logs.RequestLog), which uvicorn's would only duplicate.
    config = uvicorn.Config(app, host=host, port=port, log_config=None, proxy_headers=True,
                            ws_max_size=ws_max_size, server_header=False, access_log=False,
                            http="httptools" if _installed("httptools") else "h11",
                            loop="uvloop" if _installed("uvloop") else "asyncio")
    server = ReadyServer(config, "" if quiet else ready_line(host, port, dev_issuer=dev_issuer,
                                                             console=console))
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
    # uvicorn sets started only once it listened; a failed lifespan start-up leaves it False.
    return 0 if server.started else 3
