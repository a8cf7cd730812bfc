"""`groupdesk worker`: dramatiq worker threads on the broker, plus the sweep that re-sends what is due."""

from __future__ import annotations

import datetime as dt
import logging
import signal
import threading
from typing import Any

import dramatiq
from apscheduler.schedulers.background import BackgroundScheduler
from dramatiq.asyncio import get_event_loop_thread
from dramatiq.middleware import Middleware

from server.config import Settings
from server.db import utcnow
from server.jobs import broker as brokers
from server.jobs import context
from server.mirror.sweep import due_tickets

log = logging.getLogger("groupdesk.worker")
IDLE_POLL_MS = 50


class CloseLoopResources(Middleware):
    """Closes the event loop's engine and HTTP client before dramatiq stops the loop."""

    def after_worker_shutdown(self, broker: Any, worker: Any) -> None:
        thread = get_event_loop_thread()
        if thread is not None:
            thread.run_coroutine(context.close_current())


class Sweep:
    """Re-sends "deliver ticket N" for work a lost message or a dead worker left behind.

    Only tickets whose oldest waiting event is older than the grace period, and each at most once
    per grace period: while a backlog drains, the queue must not fill with copies of messages
    that are already on their way.
    """

    def __init__(self, grace_seconds: float) -> None:
        self.grace = dt.timedelta(seconds=grace_seconds)
        self.sent: dict[int, dt.datetime] = {}

    async def _due(self) -> list[int]:
        now = utcnow()
        async with context.current().sessions() as session:
            due = await due_tickets(session, now=now, older_than=now - self.grace)
        self.sent = {t: at for t, at in self.sent.items() if at > now - self.grace}
        fresh = [t for t in due if t not in self.sent]
        self.sent.update((t, now) for t in fresh)
        return fresh

    def __call__(self) -> int:
        from server.jobs.actors import deliver_ticket

        thread = get_event_loop_thread()
        if thread is None:
            return 0
        try:
            due = thread.run_coroutine(self._due())
            for ticket_id in due:
                deliver_ticket.send(ticket_id)
        except Exception:  # the database or broker is away: the next tick tries again
            log.exception("mirror sweep failed")
            return 0
        return len(due)


class Poll:
    """Polls the desks that cannot push, on the worker's event loop (the same runtime as delivery)."""

    def __call__(self) -> int:
        thread = get_event_loop_thread()
        if thread is None:
            return 0
        try:
            results = thread.run_coroutine(context.current().mirror.poller.poll_all())
        except Exception:  # the database is away: the next tick tries again
            log.exception("desk poll failed")
            return 0
        return sum(r.applied for r in results.values())


def run_worker(settings: Settings, *, threads: int = 8, sweep: bool = True) -> int:
    """Run until SIGTERM or SIGINT; in-flight deliveries finish (or resume from the outbox later)."""
    if not settings.broker_url:
        raise SystemExit("groupdesk worker needs GROUPDESK_BROKER_URL (redis://... or amqp://...); "
                         "without it the app delivers by itself")
    # One line per sweep would drown the log: the scheduler only speaks up when something is wrong.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    broker = brokers.install(settings.broker_url, middleware=[CloseLoopResources()])
    from server.jobs import actors

    # The Redis consumer polls an idle queue with a backoff up to worker_timeout: at dramatiq's
    # 1 s default, a change made after a quiet spell would wait up to a second to be delivered.
    worker = dramatiq.Worker(broker, queues={actors.QUEUE}, worker_threads=threads,
                             worker_timeout=IDLE_POLL_MS)
    worker.start()
    scheduler = BackgroundScheduler()
    if sweep:
        scheduler.add_job(Sweep(settings.mirror_sweep_grace_seconds), "interval", seconds=settings.relay_interval_seconds,
                          coalesce=True, max_instances=1, next_run_time=utcnow(), id="mirror-sweep")
        # Polling goes with the sweep: the workers started with --no-sweep leave it to this one.
        if settings.desk_poll_seconds > 0:
            scheduler.add_job(Poll(), "interval", seconds=settings.desk_poll_seconds, coalesce=True,
                              max_instances=1, id="desk-poll")
        scheduler.start()
    stopping = threading.Event()

    def stop(signum: int, _frame: Any) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("worker started", extra={"fields": {"threads": threads, "queue": actors.QUEUE}})
    stopping.wait()
    if sweep:
        scheduler.shutdown(wait=True)
    worker.stop(timeout=30_000)
    log.info("worker stopped")
    return 0
