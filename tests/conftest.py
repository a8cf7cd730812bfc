"""Fixtures for both databases: real migrations once per database, one rolled-back transaction per test.

Every test that asks for `session`, `client` or `gql` runs on SQLite and, when PostgreSQL answers
(or GROUPDESK_TEST_POSTGRES_URL is set), on PostgreSQL too. The demo federation (seven INSA
schools, the group, the operations centre) is loaded once, so every test has two schools at hand.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from groupdesk.app import create_app
from groupdesk.wiring import register_followers
from server import migrations
from server.config import Settings
from server.db import create_engine, writer_session
from server.importing import import_federation
from tests.support.live_server import ENGLISH
from tenants.federation import demo_federation_path, load_federation

pytest_plugins = ["tests.support.realm_fixtures"]

# Tests call the ticket services directly, without create_app: wire the history followers as every
# entry point does, so the mirror's outbox rows are written in the same transaction as in production.
register_followers()

# Each test process has dramatiq queues of its own (GROUPDESK_QUEUE_PREFIX, read by every Settings and
# inherited by the worker processes tests start): parallel workers (`pytest -n`) and other runs sharing
# Redis and RabbitMQ never take, count or delete each other's messages.
QUEUE_PREFIX = f"gdtest-{uuid.uuid4().hex[:8]}"
os.environ["GROUPDESK_QUEUE_PREFIX"] = QUEUE_PREFIX

POSTGRES_URL = os.environ.get("GROUPDESK_TEST_POSTGRES_URL",
                              "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
REQUIRE_POSTGRES = os.environ.get("GROUPDESK_TEST_REQUIRE_POSTGRES") == "1"


def _postgres_answers() -> bool:
    url = make_url(POSTGRES_URL)
    try:
        with socket.create_connection((url.host or "127.0.0.1", url.port or 5432), timeout=1):
            return True
    except OSError:
        return False


POSTGRES = "GROUPDESK_TEST_POSTGRES_URL" in os.environ or _postgres_answers()
BACKENDS = ["sqlite", "postgres"] if POSTGRES else ["sqlite"]


def pytest_report_header(config: pytest.Config) -> str:
    where = make_url(POSTGRES_URL).render_as_string(hide_password=True)
    return f"groupdesk databases: sqlite{' + postgres (' + where + ')' if POSTGRES else ' only'}"


def pytest_configure(config: pytest.Config) -> None:
    if REQUIRE_POSTGRES and not POSTGRES:
        raise pytest.UsageError(f"GROUPDESK_TEST_REQUIRE_POSTGRES=1 but PostgreSQL does not answer "
                                f"at {make_url(POSTGRES_URL).render_as_string(hide_password=True)}")


@pytest.hookimpl(trylast=True)  # after pytest's own reordering (by fixture), which it must not undo
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Tests marked `postgres` prove PostgreSQL behaviour (e.g. concurrency); drop their SQLite copy.
    keep, drop = [], []
    for item in items:
        backend = getattr(item, "callspec", None) and item.callspec.params.get("backend")
        (drop if item.get_closest_marker("postgres") and backend == "sqlite" else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
    # Tests marked `long` (a minute or more) run first: with parallel workers, the one that gets them
    # hands the rest of its queue to the other, instead of one worker running a long test at the end
    # while the other waits. The order among the others does not change.
    keep.sort(key=lambda item: item.get_closest_marker("long") is None)
    items[:] = keep


# A test's report carries its database, so the check below reads it where the reports arrive: in this
# process, or in the controller of parallel workers (pytest-xdist hands it the workers' reports).
BACKEND_PROPERTY = "groupdesk_backend"
PASSED_ON: dict[str, int] = {}


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    backend = getattr(item, "callspec", None) and item.callspec.params.get("backend")
    if backend:
        report.user_properties = [*report.user_properties, (BACKEND_PROPERTY, backend)]
    return report


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    backend = dict(report.user_properties).get(BACKEND_PROPERTY)
    if backend and report.when == "call" and report.passed:
        PASSED_ON[backend] = PASSED_ON.get(backend, 0) + 1


def pytest_terminal_summary(terminalreporter: Any) -> None:
    # What a green run proves: the tests that passed on each database, counted from their reports.
    if PASSED_ON:
        counts = ", ".join(f"{n} on {backend}" for backend, n in sorted(PASSED_ON.items()))
        terminalreporter.write_line(f"groupdesk databases: tests passed {counts}")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # CI must not go green when the PostgreSQL pass silently did not happen. A parallel worker ran
    # only its share: the controller (or the single process) decides, from every test's report.
    if REQUIRE_POSTGRES and exitstatus == 0 and not hasattr(session.config, "workerinput"):
        if not PASSED_ON.get("postgres"):
            print("\nGROUPDESK_TEST_REQUIRE_POSTGRES=1 but no test ran on PostgreSQL")
            session.exitstatus = 1


async def _admin_execute(sql: str) -> None:
    import asyncpg

    url = make_url(POSTGRES_URL)
    conn = await asyncpg.connect(host=url.host, port=url.port or 5432, user=url.username,
                                 password=url.password, database=url.database)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def new_database(backend: str, directory: Path) -> str:
    """A fresh, empty database URL; PostgreSQL ones are dropped by `drop_database`."""
    if backend == "sqlite":
        return f"sqlite+aiosqlite:///{directory / f'groupdesk-{uuid.uuid4().hex[:8]}.db'}"
    name = f"groupdesk_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    await _admin_execute(f'CREATE DATABASE "{name}"')
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


async def drop_database(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        await _admin_execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="session")
async def engine(backend: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[AsyncEngine]:
    url = await new_database(backend, tmp_path_factory.mktemp(backend))
    eng = create_engine(url)
    try:
        await migrations.upgrade(eng)
        async with writer_session(_sessionmaker(eng)) as session:
            await import_federation(session, load_federation(demo_federation_path()))
        yield eng
    finally:
        await eng.dispose()
        await drop_database(url)


def _sessionmaker(bind: Any) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(bind, expire_on_commit=False,
                              join_transaction_mode="create_savepoint")


@pytest.fixture
async def connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    async with engine.connect() as conn:
        trans = await conn.begin()
        try:
            yield conn
        finally:
            await trans.rollback()


@pytest.fixture
def sessions(connection: AsyncConnection) -> async_sessionmaker[AsyncSession]:
    """Sessions joined to the test's transaction: their commits are savepoints, rolled back after."""
    return _sessionmaker(connection)


@pytest.fixture
async def session(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with sessions() as s:
        yield s


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    key = tmp_path_factory.mktemp("issuer") / "dev-issuer-key.json"
    return Settings(database_url="sqlite+aiosqlite:///unused.db", dev_issuer_key_file=key,
                    demo_federation=False, migrate_on_start=False, embedded_relay=False,
                    _env_file=None)


@pytest.fixture
def app(settings: Settings, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]) -> Any:
    return create_app(settings, engine=engine, sessions=sessions)


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://groupdesk.test", headers=ENGLISH) as c:
        yield c


@pytest.fixture
def token_for(app: Any) -> Any:
    """A development token for a demo user, as `groupdesk token USERNAME` prints it."""
    issuer = app.state.runtime.local_issuer

    def make(username: str) -> str:
        return issuer.sign(username, username=username)

    return make


class GraphQLClient:
    def __init__(self, client: httpx.AsyncClient, token_for: Any) -> None:
        self.client = client
        self.token_for = token_for

    async def __call__(self, query: str, variables: dict | None = None, *, as_user: str | None = None,
                       expect_errors: bool = False) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.token_for(as_user)}"} if as_user else {}
        response = await self.client.post("/graphql", json={"query": query, "variables": variables},
                                          headers=headers)
        body = response.json()
        if not expect_errors:
            assert response.status_code == 200, body
            assert "errors" not in body, body["errors"]
            return body["data"]
        return body


@pytest.fixture
def gql(client: httpx.AsyncClient, token_for: Any) -> GraphQLClient:
    return GraphQLClient(client, token_for)
