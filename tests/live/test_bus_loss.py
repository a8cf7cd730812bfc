"""When the bus's listening connection is lost, subscribers are told to resync: events committed
meanwhile may never reach them. PostgreSQL: the LISTEN connection is terminated by the server."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.live.conftest import LiveStack
from tests.live.helpers import NOTIFICATIONS, TICKETS_CHANGED
from tests.tickets.helpers import LYON_AGENT

LISTENERS = text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                 "WHERE datname = current_database() AND query LIKE 'LISTEN%'")


@pytest.mark.postgres
async def test_losing_the_listen_connection_tells_every_subscriber_to_resync(live: LiveStack) -> None:
    agent = await live.socket(LYON_AGENT)
    await agent.subscribe("n", NOTIFICATIONS)
    await agent.subscribe("list", TICKETS_CHANGED)

    async with live.engine.connect() as conn:
        assert (await conn.execute(LISTENERS)).scalar() is True

    for op in ("n", "list"):
        told = await agent.message(op)
        assert told["type"] == "next" and told["payload"]["errors"][0]["extensions"]["code"] == "RESYNC_NEEDED"
        assert (await agent.message(op))["type"] == "complete"
    await agent.close()
