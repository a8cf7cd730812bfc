"""The embedded relay inside the app (no broker), and the metrics it leaves behind."""

from __future__ import annotations

import asyncio
import os
import time

import httpx
import pytest
from sqlalchemy import func, select

from groupdesk.app import create_app
from server.config import Settings
from server.db import session_factory
from server.mirror.models import OutboxEvent
from tests.mirror.conftest import EXPERT, SCHOOL, Life, set_desk, webhook_desk
from tests.support.services import require_broker
from tests.support.webhook_receiver import WebhookReceiver
from tests.support.live_server import ENGLISH


def relay_settings(url: str, tmp_path, **overrides) -> Settings:
    values = dict(database_url=url, dev_issuer_key_file=tmp_path / "key.json", demo_federation=False,
                  migrate_on_start=False, embedded_relay=True, relay_interval_seconds=30,
                  mirror_min_backoff_ms=20, mirror_max_backoff_ms=40, mirror_max_retries=100,
                  tick_seconds=0)
    return Settings(**{**values, **overrides}, _env_file=None)


async def until(predicate, timeout: float = 120.0) -> float:
    """Wait for a property; the generous deadline only catches one that never holds."""
    started = time.monotonic()
    while not await predicate():
        assert time.monotonic() - started < timeout, "timed out"
        await asyncio.sleep(0.02)
    return time.monotonic() - started


def metric(text: str, name: str) -> float:
    return float(next(line.split()[-1] for line in text.splitlines() if line.startswith(name + " ")
                      or line.startswith(name + "{")))


async def test_a_commit_wakes_the_relay_which_delivers_without_waiting_for_the_sweep(
        shared, receiver: WebhookReceiver, tmp_path) -> None:
    url, engine = shared
    # The first sweep would run an hour after start: only the after-commit wake-up delivers here.
    app = create_app(relay_settings(url, tmp_path, relay_interval_seconds=3600), engine=engine)
    sessions = session_factory(engine)
    async with app.router.lifespan_context(app), sessions() as session:
        await set_desk(session, SCHOOL, webhook_desk(receiver.url))
        life = Life(session)
        await life.open()
        await life.act(EXPERT, "START")

        async def delivered() -> bool:
            return len([d for d in receiver.deliveries if d.method == "POST"]) == 3

        await until(delivered)
        types = [d.json()["type"] for d in receiver.deliveries if d.method == "POST"]
        assert types == ["ticket.opened", "ticket.assigned", "ticket.taken"]


async def test_the_relay_retries_after_the_backoff_and_metrics_count_failures_and_backlog(
        shared, receiver: WebhookReceiver, tmp_path) -> None:
    url, engine = shared
    app = create_app(relay_settings(url, tmp_path), engine=engine)
    sessions = session_factory(engine)
    receiver.status = 503
    async with app.router.lifespan_context(app), sessions() as session, httpx.AsyncClient(headers=ENGLISH, 
            transport=httpx.ASGITransport(app=app), base_url="http://groupdesk.test") as client:
        await set_desk(session, SCHOOL, webhook_desk(receiver.url))
        life = Life(session)
        await life.open()

        async def failed_twice() -> bool:
            text = (await client.get("/metrics")).text
            return metric(text, "groupdesk_mirror_failures_total") >= 2

        await until(failed_twice)  # the first try, then a retry after its backoff
        text = (await client.get("/metrics")).text
        assert metric(text, "groupdesk_mirror_backlog") == 2
        assert 'groupdesk_mirrors{status="FAILED"} 1' in text
        receiver.status = 200

        async def drained() -> bool:
            async with sessions() as check:
                return await check.scalar(select(func.count()).where(
                    OutboxEvent.delivered_at.is_(None))) == 0

        await until(drained)
        text = (await client.get("/metrics")).text
        assert metric(text, "groupdesk_mirror_backlog") == 0
        assert metric(text, "groupdesk_mirror_delivered_total") == 2
        assert 'groupdesk_mirrors{status="SYNCED"} 1' in text


async def test_with_a_broker_the_app_only_sends_deliver_ticket_messages_after_commit(
        shared, receiver: WebhookReceiver, tmp_path) -> None:
    import json as jsonlib

    import redis

    url, engine = shared
    broker_url = os.environ.get("GROUPDESK_TEST_BROKER_REDIS_URL", "redis://127.0.0.1:6379/12")
    require_broker(broker_url, "Redis")
    client = redis.Redis.from_url(broker_url)
    stale = client.keys("dramatiq:*")
    if stale:  # this Redis database is the test's own
        client.delete(*stale)
    app = create_app(relay_settings(url, tmp_path, broker_url=broker_url), engine=engine)
    sessions = session_factory(engine)
    async with app.router.lifespan_context(app), sessions() as session:
        await set_desk(session, SCHOOL, webhook_desk(receiver.url))
        life = Life(session)
        await life.open()

        async def sent() -> bool:
            return bool(client.hvals("dramatiq:mirror.msgs"))

        await until(sent)
    messages = [jsonlib.loads(m) for m in client.hvals("dramatiq:mirror.msgs")]
    assert [(m["actor_name"], m["args"]) for m in messages] == [("deliver_ticket", [life.ticket_id])]
    assert receiver.deliveries == []  # no relay in the app: the workers deliver
    client.delete(*client.keys("dramatiq:*"))
    client.close()


def test_broker_urls_other_than_redis_or_amqp_are_refused() -> None:
    from dramatiq.brokers.rabbitmq import RabbitmqBroker
    from dramatiq.brokers.redis import RedisBroker

    from server.errors import ConfigurationError
    from server.jobs.broker import make_broker

    assert isinstance(make_broker("redis://127.0.0.1:6379/12"), RedisBroker)
    assert isinstance(make_broker("amqp://guest:guest@127.0.0.1:5672/"), RabbitmqBroker)
    with pytest.raises(ConfigurationError, match="redis:// or amqp://"):
        make_broker("kafka://127.0.0.1:9092")
