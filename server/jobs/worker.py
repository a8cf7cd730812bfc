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
from server.notify.outbox import due_mails

log = logging.getLogger("groupdesk.worker")
IDLE_POLL_MS = 50


class CloseLoopResources(Middleware):
    """Closes the event loop's engine and HTTP client before dramatiq stops the loop."""

    def after_worker_shutdown(self, broker: Any, worker: Any) -> None:
        thread = get_event_loop_thread()
        if thread is not None:
            thread.run_coroutine(context.close_current())


class Sweep:
    """Re-sends "deliver ticket N" (and "deliver mail N") for work a lost message or a dead worker
    left behind.

    Only tickets whose oldest waiting event is older than the grace period, and each at most once
    per grace period: while a backlog drains, the queue must not fill with copies of messages
    that are already on their way.
    """

    def __init__(self, grace_seconds: float, *, mails: bool = True) -> None:
        self.mails = mails
        self.grace = dt.timedelta(seconds=grace_seconds)
        self.sent: dict[int, dt.datetime] = {}
        self.mails_sent: dict[int, dt.datetime] = {}

    async def _due(self) -> tuple[list[int], list[int]]:
        now = utcnow()
        async with context.current().sessions() as session:
            due = await due_tickets(session, now=now, older_than=now - self.grace)
            mails = (await due_mails(session, now=now, older_than=now - self.grace)
                     if self.mails else [])
        return self._fresh(self.sent, due, now), self._fresh(self.mails_sent, mails, now)

    def _fresh(self, sent: dict[int, dt.datetime], due: list[int], now: dt.datetime) -> list[int]:
        for key in [k for k, at in sent.items() if at <= now - self.grace]:
            del sent[key]
        fresh = [k for k in due if k not in sent]
        sent.update((k, now) for k in fresh)
        return fresh

    def __call__(self) -> int:
        from server.jobs.actors import deliver_mail, deliver_ticket

        thread = get_event_loop_thread()
        if thread is None:
            return 0
        try:
            due, mails = thread.run_coroutine(self._due())
            for ticket_id in due:
                deliver_ticket.send(ticket_id)
            for mail_id in mails:
                deliver_mail.send(mail_id)
        except Exception:  # the database or broker is away: the next tick tries again
            log.exception("mirror sweep failed")
            return 0
        return len(due) + len(mails)


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
    worker = dramatiq.Worker(broker, queues={actors.QUEUE, actors.MAIL_QUEUE}, worker_threads=threads,
                             worker_timeout=IDLE_POLL_MS)
    worker.start()
    scheduler = BackgroundScheduler()
    if sweep:
        scheduler.add_job(Sweep(settings.mirror_sweep_grace_seconds, mails=settings.smtp_host is not None), "interval", seconds=settings.relay_interval_seconds,
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
