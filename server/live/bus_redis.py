"""The Redis bus: pub/sub on one channel; each process publishes its own commits after they commit.

A hub subscribes on a connection of its own and publishes from a queue filled by the commits made
in its own event loop, so every commit is published once per process. If the subscription is
lost, the hub is told (its subscribers resync) and the bus resubscribes every `retry_seconds`.
Commits made by processes that run no hub (the `groupdesk` commands) are not published on Redis.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from server.live import publish
from server.live.bus import Deliver, Lost
from server.live.messages import LiveMessage, decode, encode

log = logging.getLogger(__name__)


class RedisBus:
    name = "redis"

    def __init__(self, url: str, channel: str, *, retry_seconds: float = 2.0) -> None:
        self._url = url
        self._channel = channel
        self._retry = retry_seconds
        self._client: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._outgoing: asyncio.Queue[list[LiveMessage]] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self, deliver: Deliver, lost: Lost) -> None:
        self._loop = asyncio.get_running_loop()
        self._client = aioredis.from_url(self._url)
        pubsub = self._client.pubsub(ignore_subscribe_messages=True)
        await pubsub.subscribe(self._channel)  # subscribed before start returns: nothing is missed
        self._tasks = [asyncio.create_task(self._listen(pubsub, deliver, lost)),
                       asyncio.create_task(self._publish())]
        publish.attach(self)

    def accept(self, messages: list[LiveMessage], loop: asyncio.AbstractEventLoop | None) -> None:
        if loop is not None and loop is self._loop:
            self._outgoing.put_nowait(messages)

    async def _publish(self) -> None:
        while True:
            messages = await self._outgoing.get()
            for payload in encode(messages):
                try:
                    await self._client.publish(self._channel, payload)
                except RedisError:
                    log.warning("live bus: cannot publish on Redis; this change is not sent live",
                                exc_info=True)

    async def _listen(self, pubsub: Any, deliver: Deliver, lost: Lost) -> None:
        while True:
            try:
                async for message in pubsub.listen():
                    if message.get("type") == "message":
                        try:
                            deliver(decode(message["data"]))
                        except (ValueError, KeyError, TypeError, IndexError):
                            log.warning("live bus: unreadable Redis message dropped")
            except RedisError:
                log.warning("live bus: the Redis subscription was lost; resubscribing")
            lost()
            while True:
                await asyncio.sleep(self._retry)
                try:
                    pubsub = self._client.pubsub(ignore_subscribe_messages=True)
                    await pubsub.subscribe(self._channel)
                    break
                except RedisError:
                    continue
            lost()

    async def stop(self) -> None:
        publish.detach(self)
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._client is not None:
            await self._client.aclose()
