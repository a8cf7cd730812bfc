"""A real `groupdesk worker` on the real Redis sends notification mails, retrying through an outage."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import redis
from sqlalchemy import select

from server.db import session_factory, writer_session
from server.notify.models import MailOutbox
from tests.conftest import QUEUE_PREFIX
from tests.mirror.conftest import shared  # noqa: F401  (a database the worker process opens too)
from tests.mirror.test_worker import stop, wait_for
from tests.notify.conftest import SENDER
from tests.notify.helpers import open_account_ticket
from tests.support.services import require_broker
from tests.support.smtp_sink import SmtpSink
from tests.tickets.helpers import LYON_AGENT

ROOT = Path(__file__).resolve().parents[2]
# A Redis database of its own: the mirror's worker tests use /13 and the app dispatch /12.
REDIS_URL = os.environ.get("GROUPDESK_TEST_NOTIFY_REDIS_URL", "redis://127.0.0.1:6379/9")


def start_worker(url: str, smtp_port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "GROUPDESK_DATABASE_URL": url, "GROUPDESK_BROKER_URL": REDIS_URL,
           "GROUPDESK_SMTP_HOST": "127.0.0.1", "GROUPDESK_SMTP_PORT": str(smtp_port),
           "GROUPDESK_SMTP_TLS": "none", "GROUPDESK_MAIL_FROM": SENDER,
           "GROUPDESK_MIRROR_SWEEP_GRACE_SECONDS": "0", "GROUPDESK_RELAY_INTERVAL_SECONDS": "0.3",
           "GROUPDESK_MAIL_MIN_BACKOFF_MS": "50", "GROUPDESK_MAIL_MAX_BACKOFF_MS": "200",
           "GROUPDESK_MAIL_MAX_RETRIES": "50"}
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", "groupdesk.cli", "worker", "--threads", "2"],
                                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


async def test_the_worker_sends_the_mails_a_commit_left_and_retries_while_smtp_is_down(
        shared: Any, tmp_path: Path) -> None:  # noqa: F811
    require_broker(REDIS_URL, "Redis")
    client = redis.Redis.from_url(REDIS_URL)
    url, engine = shared
    sessions = session_factory(engine)
    async with writer_session(sessions) as session:
        await open_account_ticket(session, LYON_AGENT)
    async with sessions() as session:
        addresses = sorted(r.address for r in await session.scalars(select(MailOutbox)))
    assert addresses

    smtp = SmtpSink()  # not listening yet: the worker's first attempts fail
    log = tmp_path / "worker.log"
    worker = start_worker(url, smtp.port, log)
    try:
        async def failed_once() -> bool:
            async with sessions() as session:
                return bool(await session.scalar(select(MailOutbox.id).where(MailOutbox.attempts > 0)))

        await wait_for(failed_once, "a failed attempt while SMTP is down", log)
        smtp.start()
        arrived = await asyncio.to_thread(
            smtp.wait_for, lambda ms: sorted(m["To"] for m in ms) == addresses, 120)
        assert arrived, log.read_text(errors="replace")[-3000:]

        async def all_sent() -> bool:
            async with sessions() as session:
                return all(r.sent_at is not None for r in await session.scalars(select(MailOutbox)))

        await wait_for(all_sent, "every mail marked sent", log)
    finally:
        stop(worker)
        smtp.stop()
        # Only this run's queues (tests/conftest.py names them): a parallel worker's are left alone.
        client.delete(*(client.keys(f"dramatiq:*{QUEUE_PREFIX}.*") or [b"none"]))
        client.close()
