"""The dramatiq broker from GROUPDESK_BROKER_URL (redis:// or amqp://)."""

from __future__ import annotations

from urllib.parse import urlsplit

import dramatiq
from dramatiq.broker import Broker
from dramatiq.middleware import AsyncIO, Middleware

from server.errors import ConfigurationError

REDIS_SCHEMES = ("redis", "rediss", "unix")
AMQP_SCHEMES = ("amqp", "amqps")


def make_broker(url: str, *, middleware: list[Middleware] | None = None) -> Broker:
    """A Redis or RabbitMQ broker with asyncio support; `middleware` runs before AsyncIO's hooks."""
    scheme = urlsplit(url).scheme
    if scheme in REDIS_SCHEMES:
        from dramatiq.brokers.redis import RedisBroker

        broker: Broker = RedisBroker(url=url)
    elif scheme in AMQP_SCHEMES:
        from dramatiq.brokers.rabbitmq import RabbitmqBroker

        broker = RabbitmqBroker(url=url)
    else:
        raise ConfigurationError(f"GROUPDESK_BROKER_URL must start with redis:// or amqp://, got {scheme}://")
    # Added before AsyncIO so that their shutdown hooks run while the event loop still does.
    for extra in middleware or []:
        broker.add_middleware(extra)
    broker.add_middleware(AsyncIO())
    return broker


_installed: tuple[str, Broker] | None = None


def install(url: str, *, middleware: list[Middleware] | None = None) -> Broker:
    """Make the broker dramatiq's global one, once per process; call before importing the actors.

    Actors bind to the global broker when their module is imported, so a process keeps one.
    """
    global _installed
    if _installed is not None:
        if _installed[0] != url:
            raise ConfigurationError(f"this process already uses the broker at {_installed[0]}")
        return _installed[1]
    broker = make_broker(url, middleware=middleware)
    dramatiq.set_broker(broker)
    _installed = (url, broker)
    return broker
