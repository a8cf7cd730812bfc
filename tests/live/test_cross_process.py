"""Several server processes: a change committed through one process reaches a subscriber of another.

The subscriber's server runs in this test process; the other is a real `groupdesk serve`
subprocess on the same database, changed over HTTP. PostgreSQL carries the events with
LISTEN/NOTIFY; on SQLite (a file both processes open) they go through Redis pub/sub, on a channel of
this run's own.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.live.conftest import LiveStack, start_stack
from tests.live.helpers import MIRROR_CHANGED, QUEUE_EVENTS, TICKET_EVENTS, Desk, ticket_gid
from tests.support.live_server import free_port
from tests.support.services import require_broker
from tests.tickets.helpers import (
    ACCOUNT_CREATION,
    ADMIN,
    ACCOUNT_REQUEST,
    COMMENT,
    LYON_AGENT,
    OPEN,
    ROUEN_EXPERT,
    gid,
    sub_service_id,
)

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("GROUPDESK_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
READY_SECONDS = 120  # a busy machine starts slowly, never wrongly


def _bus(backend: str) -> dict[str, Any]:
    if backend == "postgres":
        return {"live_backend": "postgres"}
    return {"live_backend": "redis", "live_redis_url": REDIS_URL,
            "live_redis_channel": f"groupdesk-test-live-{uuid.uuid4().hex[:8]}"}


@pytest.fixture(scope="module")
async def pair(backend: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[LiveStack, str]]:
    """A live server here and a `groupdesk serve` process, sharing the database and the bus."""
    if backend == "sqlite":
        require_broker(REDIS_URL, "Redis")
    bus = _bus(backend)
    directory = tmp_path_factory.mktemp(f"cross-{backend}")
    async for stack in start_stack(backend, directory, **bus):
        with _serve(stack, directory, bus) as url:
            yield stack, url


@pytest.fixture
def desk(pair: tuple[LiveStack, str]) -> Desk:
    return Desk(pair[0].sessions)


class _Serve:
    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self.ready = threading.Event()
        self.seen: list[str] = []

    def read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.seen.append(line)
            if line.startswith("groupdesk: ready"):
                self.ready.set()


@contextmanager
def _serve(stack: LiveStack, directory: Path, bus: dict[str, Any]) -> Iterator[str]:
    port = free_port()
    environ = {**os.environ, "GROUPDESK_DATABASE_URL": stack.database_url, "GROUPDESK_ENV": "development",
               "GROUPDESK_DEV_ISSUER_KEY_FILE": str(directory / "key.json"), "GROUPDESK_DEMO_FEDERATION": "false",
               "GROUPDESK_MIGRATE_ON_START": "false", "GROUPDESK_EMBEDDED_RELAY": "false",
               "GROUPDESK_TICK_SECONDS": "0", "GROUPDESK_LOG_LEVEL": "WARNING",
               **{f"GROUPDESK_{name.upper()}": str(value) for name, value in bus.items()}}
    process = subprocess.Popen([sys.executable, "-m", "groupdesk.cli", "serve", "--port", str(port)],
                               cwd=ROOT, env=environ, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
                               text=True)
    serve = _Serve(process)
    reader = threading.Thread(target=serve.read, daemon=True)
    reader.start()
    try:
        assert serve.ready.wait(READY_SECONDS), "".join(serve.seen)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        reader.join(30)  # the pipe ends with the process
        if process.stderr is not None:
            process.stderr.close()


async def _call(url: str, token: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        answer = await client.post("/graphql", headers={"Authorization": f"Bearer {token}"},
                                   json={"query": query, "variables": variables})
    body = answer.json()
    assert answer.status_code == 200 and "errors" not in body, body
    return dict(body["data"])


async def test_a_comment_made_through_another_server_process_reaches_the_subscriber(
        pair: tuple[LiveStack, str], desk: Desk) -> None:
    stack, other = pair
    ticket = await desk.open(LYON_AGENT)
    expert = await stack.socket(ROUEN_EXPERT)
    await expert.subscribe("e", TICKET_EVENTS, {"id": ticket_gid(ticket)})

    added = await _call(other, stack.token(LYON_AGENT), COMMENT,
                        {"input": {"ticketId": ticket_gid(ticket), "body": "sent to the other process"}})
    assert added["addComment"]["__typename"] == "CommentAdded"

    event = (await expert.next("e"))["ticketEvents"]
    assert (event["kind"], event["data"]["body"]) == ("COMMENTED", "sent to the other process")
    assert event["actor"] == {"username": LYON_AGENT}
    await expert.close()


async def test_a_ticket_opened_through_another_process_enters_the_experts_queue(
        pair: tuple[LiveStack, str]) -> None:
    stack, other = pair
    expert = await stack.socket(ROUEN_EXPERT)
    await expert.subscribe("q", QUEUE_EVENTS)
    async with stack.sessions() as session:
        sub = await sub_service_id(session, ACCOUNT_CREATION)

    opened = await _call(other, stack.token(LYON_AGENT), OPEN, {"input": {
        "subServiceId": gid("SubService", sub), "title": "through the other process", "description": "d",
        "requestData": ACCOUNT_REQUEST}})
    remote = opened["openTicket"]
    entered = (await expert.next("q"))["myQueueEvents"]
    assert (entered["ticketId"], entered["change"], entered["ticket"]["ref"]) == (
        remote["id"], "ENTERED", remote["ref"])
    await expert.close()


RETRY_MIRROR = """mutation($id: ID!) { retryMirror(ticketId: $id) {
  __typename ... on TicketMirror { status } } }"""


async def test_a_mirror_retried_through_another_process_reaches_the_ticket_page(
        pair: tuple[LiveStack, str], desk: Desk) -> None:
    stack, other = pair
    # INSA Lyon has a desk: its ticket has a mirror, never delivered here (neither process relays).
    ticket = await desk.open(LYON_AGENT)
    school = await stack.socket(LYON_AGENT)
    await school.subscribe("m", MIRROR_CHANGED, {"id": ticket_gid(ticket)})

    retried = await _call(other, stack.token(ADMIN), RETRY_MIRROR, {"id": ticket_gid(ticket)})
    assert retried["retryMirror"] == {"__typename": "TicketMirror", "status": "PENDING"}

    heard = (await school.next("m"))["ticketMirrorChanged"]
    assert (heard["status"], heard["ticket"]) == ("PENDING", {"id": ticket_gid(ticket)})
    await school.close()
