"""Subscriptions, served over WebSocket (graphql-transport-ws) to callers authenticated at connection_init."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncGenerator

import strawberry
from graphql import GraphQLError

from schema.context import Info
from schema.errors import Unauthenticated
from server.db import utcnow
from server.identity.queries import may_call_api
from tenants.i18n.messages import Message

HEARTBEATS_MAX = 100
INTERVAL_RANGE = (0.01, 60.0)


@strawberry.type(description="A sign of life on a subscription, naming the caller the server sees.")
class Heartbeat:
    sequence: int
    username: str
    tenant_slug: str
    at: dt.datetime


@strawberry.type
class Subscription:
    @strawberry.subscription(description="Yields `count` heartbeats `intervalSeconds` apart: checks that a "
                                         "WebSocket is open and authenticated as the expected caller.")
    async def heartbeat(self, info: Info, count: int = 3,
                        interval_seconds: float = 1.0) -> AsyncGenerator[Heartbeat, None]:
        viewer = info.context.viewer
        if not may_call_api(viewer):
            raise Unauthenticated()
        if not 1 <= count <= HEARTBEATS_MAX:
            raise GraphQLError(Message("count: between 1 and {limit}", limit=HEARTBEATS_MAX))
        if not INTERVAL_RANGE[0] <= interval_seconds <= INTERVAL_RANGE[1]:
            raise GraphQLError(Message("intervalSeconds: between {low} and {high}", low=INTERVAL_RANGE[0],
                                       high=INTERVAL_RANGE[1]))
        for sequence in range(1, count + 1):
            if sequence > 1:
                await asyncio.sleep(interval_seconds)
            yield Heartbeat(sequence=sequence, username=viewer.username, tenant_slug=viewer.tenant_slug,
                            at=utcnow())
