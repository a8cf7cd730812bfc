"""`groupdesk serve --workers N`: N server processes on one listening socket, one of them the leader.

The parent binds the port (so a taken port is still the one line the operator reads), migrates and
loads the demo data once when it is to do so, then forks the workers and waits. Every worker serves
HTTP and WebSockets; only worker 0, the leader, runs the periodic ticks (APScheduler) and the
embedded relay, so auto-close and deliveries are never done twice. Openings served by the others
are delivered by the leader's sweep (GROUPDESK_RELAY_INTERVAL_SECONDS), or by the broker's workers
when GROUPDESK_BROKER_URL is set. Each worker logs JSON lines carrying its `worker` number (the parent's say "main").
The parent forwards SIGTERM and SIGINT to the workers; when one worker exits, the others are
stopped, and the worst exit status is returned.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import sys
from typing import Any

from server.config import Settings

log = logging.getLogger("groupdesk.serve")


def worker_settings(settings: Settings, index: int) -> Settings:
    """The leader keeps the scheduler and the relay; the others only serve."""
    update: dict[str, Any] = {"migrate_on_start": False}
    if index > 0:
        update |= {"tick_seconds": 0, "embedded_relay": False}
    return settings.model_copy(update=update)


class _WorkerField(logging.Filter):
    def __init__(self, index: int | str) -> None:
        super().__init__()
        self.index = index

    def filter(self, record: logging.LogRecord) -> bool:
        record.fields = {"worker": self.index, **getattr(record, "fields", {})}
        return True


def _label_logs(index: int | str) -> None:
    """Every line this process logs names it: its worker number, or "main" for the parent."""
    for handler in logging.getLogger().handlers:
        for old in [f for f in handler.filters if isinstance(f, _WorkerField)]:
            handler.removeFilter(old)
        handler.addFilter(_WorkerField(index))


async def _prepare(settings: Settings) -> None:
    """Migrations and the development demo data, once, before any worker starts."""
    from groupdesk.app import load_demo_if_empty
    from server import migrations
    from server.db import create_engine, session_factory

    engine = create_engine(settings.database_url, pool_size=settings.db_pool_size,
                                   max_overflow=settings.db_max_overflow)
    try:
        await migrations.upgrade(engine)
        if settings.demo_federation and not settings.is_production:
            await load_demo_if_empty(settings, session_factory(engine))
    finally:
        await engine.dispose()


def _run_worker(index: int, settings: Settings, sock: socket.socket, host: str, port: int) -> int:
    from groupdesk.app import create_app
    from groupdesk.console import console_is_built
    from groupdesk.serving import serve

    _label_logs(index)
    mine = worker_settings(settings, index)
    log.info("worker serving", extra={"fields": {
        "pid": os.getpid(), "leader": index == 0, "scheduler": mine.tick_seconds > 0,
        "embedded_relay": mine.embedded_relay}})
    app = create_app(mine)
    # Only the leader prints the ready line: the operator reads it once.
    return serve(app, sock, host, port, dev_issuer=bool(settings.dev_issuer) and index == 0,
                 ws_max_size=settings.max_body_bytes, quiet=index > 0,
                 console=console_is_built(settings))


def serve_workers(settings: Settings, sock: socket.socket, host: str, port: int, workers: int) -> int:
    """Fork `workers` processes serving `sock`; returns once they have all exited."""
    _label_logs("main")
    if settings.migrate_on_start:
        asyncio.run(_prepare(settings))
    children: dict[int, int] = {}
    for index in range(workers):
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                code = _run_worker(index, settings, sock, host, port)
            finally:
                sys.stderr.flush()
                os._exit(code)
        children[pid] = index
    sock.close()

    signalled: set[int] = set()

    def forward(signum: int, _frame: Any) -> None:
        # Once each: a second signal would cut a worker's graceful shutdown short.
        for pid in set(children) - signalled:
            signalled.add(pid)
            try:
                os.kill(pid, signum)
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    worst = 0
    while children:
        pid, status = os.wait()
        if children.pop(pid, None) is None:
            continue
        code = os.waitstatus_to_exitcode(status)
        # A worker ended by the signal it was sent to stop has stopped as asked.
        if code < 0 and pid in signalled and -code in (signal.SIGTERM, signal.SIGINT):
            code = 0
        worst = max(worst, code & 0xFF)
        forward(signal.SIGTERM, None)  # one worker gone: the others stop too
    return worst
