"""Building a MirrorDelivery for one event loop: its sessions, one shared HTTP client, the policy."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.config import Settings
from server.mirror.delivery import MirrorDelivery
from server.mirror.poll import DeskPoller
from server.mirror.retry import RetryPolicy
from tenants.desks import DeskConfig, DeskConnector, build_connector


@dataclass
class DeliveryRuntime:
    """A delivery, the poller of desks that cannot push, and the HTTP client their connectors
    share (closed with `aclose`)."""

    delivery: MirrorDelivery
    http: httpx.AsyncClient
    poller: DeskPoller

    async def aclose(self) -> None:
        await self.http.aclose()


def delivery_runtime(settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> DeliveryRuntime:
    """A delivery for the running event loop; httpx clients, like engines, belong to one loop."""
    http = httpx.AsyncClient(limits=httpx.Limits(max_connections=50, max_keepalive_connections=20))

    def connectors(config: DeskConfig) -> DeskConnector:
        return build_connector(config, http=http)

    delivery = MirrorDelivery(sessions, policy=RetryPolicy.from_settings(settings),
                              lease_seconds=settings.mirror_lease_seconds, connectors=connectors,
                              installation=settings.installation_id)
    poller = DeskPoller(sessions, connectors=connectors, installation=settings.installation_id)
    return DeliveryRuntime(delivery, http, poller)
