"""`groupdesk worker`: dramatiq worker threads on the broker, plus the sweep that re-sends what is due."""

from __future__ import annotations

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


class CloseLoopResources(Middleware):
    """Closes the event loop's engine and HTTP client before dramatiq stops the loop."""

    def after_worker_shutdown(self, broker: Any, worker: Any) -> None:
        thread = get_event_loop_thread()
        if thread is not None:
            thread.run_coroutine(context.close_current())


async def _due() -> list[int]:
    async with context.current().sessions() as session:
        return await due_tickets(session, now=utcnow())


def sweep_and_send() -> int:
    """Send one message per ticket with something due: lost messages and finished backoffs."""
    from server.jobs.actors import deliver_ticket

    thread = get_event_loop_thread()
    if thread is None:
        return 0
    try:
        due = thread.run_coroutine(_due())
        for ticket_id in due:
            deliver_ticket.send(ticket_id)
    except Exception:  # the database or broker is away: the next tick tries again
        log.exception("mirror sweep failed")
        return 0
    return len(due)


def run_worker(settings: Settings, *, threads: int = 8, sweep: bool = True) -> int:
    """Run until SIGTERM or SIGINT; in-flight deliveries finish (or resume from the outbox later)."""
    if not settings.broker_url:
        raise SystemExit("groupdesk worker needs GROUPDESK_BROKER_URL (redis://... or amqp://...); "
                         "without it the app delivers by itself")
    # One line per sweep would drown the log: the scheduler only speaks up when something is wrong.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    broker = brokers.install(settings.broker_url, middleware=[CloseLoopResources()])
    from server.jobs import actors

    worker = dramatiq.Worker(broker, queues={actors.QUEUE}, worker_threads=threads)
    worker.start()
    scheduler = BackgroundScheduler()
    if sweep:
        scheduler.add_job(sweep_and_send, "interval", seconds=settings.relay_interval_seconds,
                          coalesce=True, max_instances=1, next_run_time=utcnow(), id="mirror-sweep")
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
