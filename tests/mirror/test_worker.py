"""A real `groupdesk worker` process on the real Redis, killed with SIGKILL mid-delivery."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from sqlalchemy import func, select

from server.db import session_factory
from server.mirror.models import Mirror, MirrorStatus, OutboxEvent
from tests.mirror.conftest import EXPERT, SCHOOL, SECRETS, Life, itop_desk, set_desk
from tests.support.services import require_broker
from tests.support.slow_itop import SlowItop

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("GROUPDESK_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
RABBITMQ_URL = os.environ.get("GROUPDESK_TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")
# Each run gets its own queues: runs sharing the broker never take each other's messages.
QUEUE_PREFIX = f"gdtest-{uuid.uuid4().hex[:8]}"


def start_worker(url: str, log: Path, broker: str = REDIS_URL) -> subprocess.Popen[bytes]:
    env = {**os.environ, **SECRETS, "GROUPDESK_DATABASE_URL": url, "GROUPDESK_BROKER_URL": broker,
           "GROUPDESK_MIRROR_LEASE_SECONDS": "2", "GROUPDESK_MIRROR_SWEEP_GRACE_SECONDS": "1",
           "GROUPDESK_RELAY_INTERVAL_SECONDS": "0.3",
           "GROUPDESK_MIRROR_MIN_BACKOFF_MS": "50", "GROUPDESK_MIRROR_MAX_BACKOFF_MS": "200",
           "GROUPDESK_MIRROR_MAX_RETRIES": "20", "GROUPDESK_QUEUE_PREFIX": QUEUE_PREFIX}
    with log.open("ab") as out:  # the child keeps its own descriptor
        return subprocess.Popen([sys.executable, "-m", "groupdesk.cli", "worker", "--threads", "2"],
                                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


async def wait_for(predicate, what: str, log: Path, timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while not await predicate():
        if time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-3000:] if log.exists() else "(no log)"
            raise AssertionError(f"timed out waiting for {what}; worker log:\n{tail}")
        await asyncio.sleep(0.1)


def stop(worker: subprocess.Popen[bytes]) -> None:
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


async def test_worker_killed_while_the_desk_creates_loses_nothing_and_creates_once(
        shared, itop: SlowItop, tmp_path: Path) -> None:
    require_broker(REDIS_URL, "Redis")
    url, engine = shared
    sessions = session_factory(engine)
    async with sessions() as session:
        await set_desk(session, SCHOOL, itop_desk(itop.url))
        life = Life(session)
        await life.open()
        await life.act(EXPERT, "START")
        await life.act(EXPERT, "HOLD", reason="Which workshop?")
        await life.comment(EXPERT, "Still waiting for your answer.")
        ticket = await life.ticket()
    ref, ticket_id = ticket.ref, ticket.id

    async def pending() -> int:
        async with sessions() as session:
            return await session.scalar(select(func.count()).where(
                OutboxEvent.ticket_id == ticket_id, OutboxEvent.delivered_at.is_(None)))

    async def created() -> bool:
        return itop.creates() >= 1

    log = tmp_path / "worker.log"
    itop.create_delay = 30  # iTop creates the ticket, then the answer hangs
    first = start_worker(url, log)
    try:
        await wait_for(created, "the first worker to reach iTop's core/create", log)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        stop(first)
    itop.create_delay = 0
    assert await pending() == 5  # killed before it could record anything

    second = start_worker(url, log)
    try:
        async def drained() -> bool:
            return await pending() == 0

        await wait_for(drained, "the second worker to drain the outbox", log)
    finally:
        stop(second)
    assert first.returncode == -signal.SIGKILL

    locals_ = itop.tickets_titled(f"[{ref}]")
    assert len(locals_) == 1, "a retried create must find the ticket, not make a second one"
    assert itop.creates() == 1
    log_lines = itop.public_log(locals_[0]["ref"])
    # INSA Lyon reads French: its desk gets French lines.
    assert [line.split("\n")[0] for line in log_lines] == [
        "Attribué à Ismaël Grandcourtois dans groupdesk.",
        "Pris en charge par Ismaël Grandcourtois.",
        "Question de Ismaël Grandcourtois ; en attente de la réponse de l'école.",
        "Commentaire de Ismaël Grandcourtois.",
    ]
    async with sessions() as session:
        mirror = await session.scalar(select(Mirror).where(Mirror.ticket_id == ticket_id))
    assert mirror.status is MirrorStatus.SYNCED and mirror.remote_ref == locals_[0]["ref"]
    assert mirror.claimed_by is None


async def test_a_worker_on_rabbitmq_delivers_a_backlog_in_order(shared, itop: SlowItop, tmp_path: Path) -> None:
    require_broker(RABBITMQ_URL, "RabbitMQ")
    url, engine = shared
    sessions = session_factory(engine)
    async with sessions() as session:
        await set_desk(session, SCHOOL, itop_desk(itop.url))
        life = Life(session)
        await life.open()
        await life.act(EXPERT, "START")
        ticket = await life.ticket()

    async def drained() -> bool:
        async with sessions() as session:
            return await session.scalar(select(func.count()).where(
                OutboxEvent.ticket_id == ticket.id, OutboxEvent.delivered_at.is_(None))) == 0

    log = tmp_path / "worker.log"
    worker = start_worker(url, log, broker=RABBITMQ_URL)
    try:
        await wait_for(drained, "the worker on RabbitMQ to drain the outbox", log)
    finally:
        stop(worker)
    [local] = itop.tickets_titled(f"[{ticket.ref}]")
    assert itop.stimuli(local["ref"]) == ["ev_assign"]
    assert [line.split("\n")[0] for line in itop.public_log(local["ref"])] == [
        "Attribué à Ismaël Grandcourtois dans groupdesk.", "Pris en charge par Ismaël Grandcourtois."]
