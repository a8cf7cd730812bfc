"""A deactivated user's socket is closed, live subscriptions and all, whoever commits the change."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from server.identity.models import User
from tests.live.conftest import LiveStack
from tests.live.helpers import QUEUE_EVENTS, TICKET_EVENTS, Desk, ticket_gid
from tests.tickets.helpers import LYON_AGENT, RENNES_MANAGER, ROUEN_EXPERT

ROOT = Path(__file__).resolve().parents[2]

DEACTIVATE = """
import asyncio, sys
import pytest
from sqlalchemy import select
from groupdesk.wiring import register_followers
from server.db import create_engine, session_factory, writer_session
from server.identity.models import User

async def main(url, username):
    engine = create_engine(url)
    async with writer_session(session_factory(engine)) as session:
        user = await session.scalar(select(User).where(User.username == username))
        user.active = False
    await engine.dispose()

register_followers()
asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


async def test_deactivating_a_subscriber_closes_their_socket(live: LiveStack) -> None:
    ticket = await Desk(live.sessions).open(LYON_AGENT)
    expert = await live.socket(ROUEN_EXPERT)
    await expert.subscribe("e", TICKET_EVENTS, {"id": ticket_gid(ticket)})
    await expert.subscribe("q", QUEUE_EVENTS)
    async with live.writer() as session:
        user = await session.scalar(select(User).where(User.username == ROUEN_EXPERT))
        assert user is not None
        user.active = False

    assert await expert.closed() == (4403, f"user {ROUEN_EXPERT} is deactivated")
    async with live.writer() as session:
        user = await session.scalar(select(User).where(User.username == ROUEN_EXPERT))
        assert user is not None
        user.active = True


@pytest.mark.postgres  # the embedded bus does not cross processes; the periodic re-check does
async def test_a_deactivation_committed_by_another_process_closes_the_socket_through_the_bus(
        live: LiveStack) -> None:
    manager = await live.socket(RENNES_MANAGER)
    await manager.subscribe("q", QUEUE_EVENTS)

    done = await asyncio.to_thread(subprocess.run, [sys.executable, "-c", DEACTIVATE, live.database_url,
                                                    RENNES_MANAGER],
                                   cwd=ROOT, capture_output=True, text=True, timeout=120,
                                   env={**os.environ, "GROUPDESK_ENV": "development"})
    assert done.returncode == 0, done.stderr
    # The server re-checks sockets only every hour here: the bus's revocation closed it.
    assert await manager.closed() == (4403, f"user {RENNES_MANAGER} is deactivated")
