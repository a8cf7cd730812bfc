"""The bus GROUPDESK_LIVE_BACKEND names: embedded, postgres or redis (server/live/bus.py)."""

from __future__ import annotations

from server.config import Settings
from server.live.bus import Bus, EmbeddedBus


def build_bus(settings: Settings) -> Bus:
    """The configured backend (the settings checked that it can work)."""
    if settings.live_backend == "postgres":
        from server.live.bus_postgres import PostgresBus

        return PostgresBus(settings.database_url, retry_seconds=settings.live_retry_seconds)
    if settings.live_backend == "redis":
        from server.live.bus_redis import RedisBus

        assert settings.live_redis_url is not None
        return RedisBus(settings.live_redis_url, settings.live_redis_channel,
                        retry_seconds=settings.live_retry_seconds)
    return EmbeddedBus()
