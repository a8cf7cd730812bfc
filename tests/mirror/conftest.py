"""Fixtures for the mirror: fresh fake desks per test, desks configured with secrets by reference."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server import migrations
from server.catalog.models import SubService
from server.db import WRITER, create_engine, session_factory, writer_session
from server.importing import import_federation
from server.identity.auth import principal_of
from server.identity.models import Tenant, User
from server.mirror.delivery import MirrorDelivery
from server.mirror.desks import check_spec, store_desk
from server.mirror.retry import RetryPolicy
from server.tickets import actions, comments
from server.tickets.models import Ticket
from server.tickets.service import open_ticket
from tenants.context import Principal
from tenants.desks import build_connector
from tenants.federation import demo_federation_path, load_federation
from tests.conftest import drop_database, new_database
from tests.support import fake_glpi, fake_itop
from tests.support.fake_glpi import FakeGlpi
from tests.support.slow_itop import SlowItop
from tests.support.smtp_sink import SmtpSink
from tests.support.webhook_receiver import WebhookReceiver

SCHOOL = "insa-lyon"
AGENT = "amandine.roclerc"            # school-agent at INSA Lyon
EXPERT = "ismael.grandcourtois"       # designated on Scenari > Account management
ADMIN = "valentine.orsembaud"         # group-admin
DESK_ACCOUNT = "itop.insa-lyon"       # INSA Lyon's desk-integration account
WEBHOOK_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
INBOUND_SECRET = "whsec_aW5ib3VuZC1zZWNyZXQtZm9yLXRlc3Rz"
FORM = {"account_email": "new.writer@insa-lyon.example.org", "platform": "scenari-pedagogie",
        "role": "author"}
# The secrets the desks' references point to, as an operator would export them.
SECRETS = {
    "T_ITOP_USER": fake_itop.REST_USER, "T_ITOP_PASSWORD": fake_itop.REST_PASSWORD,
    "T_GLPI_APP": fake_glpi.APP_TOKEN, "T_GLPI_USER": fake_glpi.USER_TOKEN,
    "T_WEBHOOK_SECRET": WEBHOOK_SECRET, "T_INBOUND_SECRET": INBOUND_SECRET,
}
FAST = RetryPolicy(max_retries=3, min_backoff_ms=1, max_backoff_ms=4)


def itop_desk(url: str, **mappings: Any) -> dict[str, Any]:
    return {"kind": "itop", "url": url, "timeout": 5,
            "credentials": {"user_env": "T_ITOP_USER", "password_env": "T_ITOP_PASSWORD",
                            "inbound_secret_env": "T_INBOUND_SECRET"},
            "mappings": {"org_id": 3, "team_id": 21, "agent_id": 12, **mappings}}


def glpi_desk(url: str) -> dict[str, Any]:
    return {"kind": "glpi", "url": url, "timeout": 5,
            "credentials": {"app_token_env": "T_GLPI_APP", "user_token_env": "T_GLPI_USER"},
            "mappings": {"entities_id": 0, "users_id_assign": 5}}


def webhook_desk(url: str) -> dict[str, Any]:
    return {"kind": "webhook", "url": url, "timeout": 5,
            "credentials": {"signing_secret_env": "T_WEBHOOK_SECRET"}}


def email_desk(port: int) -> dict[str, Any]:
    return {"kind": "email", "url": f"smtp://127.0.0.1:{port}", "timeout": 5,
            "mappings": {"from": "groupdesk@groupe-insa.example.org",
                         "to": ["support@insa-lyon.example.org"]}}


@pytest.fixture(autouse=True)
def desk_secrets(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    return SECRETS


@pytest.fixture
def itop() -> Iterator[SlowItop]:
    """A fresh iTop per test: refs restart in every rolled-back test, so desks must too."""
    fake = SlowItop(extra_fields=("group_ref",))
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def glpi() -> Iterator[FakeGlpi]:
    fake = FakeGlpi()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    fake = WebhookReceiver()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
async def shared(backend: str, tmp_path: Path) -> AsyncIterator[tuple[str, Any]]:
    """A real database of its own (not the rolled-back one): for other processes and real concurrency."""
    url = await new_database(backend, tmp_path)
    engine = create_engine(url)
    await migrations.upgrade(engine)
    async with writer_session(session_factory(engine)) as session:
        await import_federation(session, load_federation(demo_federation_path()))
    try:
        yield url, engine
    finally:
        await engine.dispose()
        await drop_database(url)


@pytest.fixture
def delivery(sessions: async_sessionmaker[AsyncSession]) -> MirrorDelivery:
    """The delivery code the worker and the relay run, with millisecond backoffs."""
    return MirrorDelivery(sessions, policy=FAST, lease_seconds=30, connectors=build_connector)


async def principal(session: AsyncSession, username: str) -> Principal:
    user = await session.scalar(select(User).where(User.username == username))
    assert user is not None, username
    tenant = await session.get(Tenant, user.tenant_id)
    return await principal_of(session, user, tenant)


async def set_desk(session: AsyncSession, slug: str, raw: dict[str, Any] | None) -> None:
    if not session.in_transaction():
        await session.connection(execution_options={WRITER: True})
    tenant = await session.scalar(select(Tenant).where(Tenant.slug == slug))
    await store_desk(session, tenant, None if raw is None else check_spec(raw))
    await session.commit()


class Life:
    """Drives one ticket through its life with the real ticket services, committing each step."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.ticket_id = 0

    async def write(self) -> None:
        """Take the write lock first, as a mutation does (SQLite: BEGIN IMMEDIATE)."""
        if not self.session.in_transaction():
            await self.session.connection(execution_options={WRITER: True})

    async def ticket(self) -> Ticket:
        ticket = await self.session.get(Ticket, self.ticket_id, populate_existing=True)
        assert ticket is not None
        return ticket

    async def open(self, title: str = "Scenari account for a new writer") -> Ticket:
        await self.write()
        sub = await self.session.scalar(select(SubService).where(SubService.name == "Account creation"))
        agent = await principal(self.session, AGENT)
        ticket = await open_ticket(self.session, actor=agent, sub_service_id=sub.id, title=title,
                                   description="Please open an author account.", request_data=FORM,
                                   requester_name="Jules Ferrandière",
                                   requester_email="jules.ferrandiere@insa-lyon.example.org")
        await self.session.commit()
        self.ticket_id = ticket.id
        return ticket

    async def act(self, username: str, action: str, **texts: str) -> None:
        await self.write()
        actor = await principal(self.session, username)
        ticket = await self.ticket()
        await actions.perform(self.session, actor=actor, ticket_id=ticket.id, action=action,
                              expected_version=ticket.version, **texts)
        await self.session.commit()

    async def answer(self, username: str, message: str) -> None:
        await self.write()
        actor = await principal(self.session, username)
        ticket = await self.ticket()
        await actions.answer(self.session, actor=actor, ticket_id=ticket.id,
                             expected_version=ticket.version, message=message)
        await self.session.commit()

    async def comment(self, username: str, body: str, visibility: str = "PUBLIC") -> None:
        await self.write()
        actor = await principal(self.session, username)
        await comments.add_comment(self.session, actor=actor, ticket_id=self.ticket_id, body=body,
                                   visibility=visibility)
        await self.session.commit()

    async def whole_life(self) -> None:
        """Opened (and routed), taken, a question, the answer, a comment, resolved, reopened,
        resolved again, closed: every kind of event a school's desk must see."""
        await self.open()
        await self.act(EXPERT, "START")
        await self.act(EXPERT, "HOLD", reason="Which workshop should the account open?")
        await self.answer(AGENT, "The workshop 'Chimie L1', please.")
        await self.comment(EXPERT, "Account being created on scenari-pedagogie.")
        await self.comment(EXPERT, "Internal: quota checked.", visibility="INTERNAL")
        await self.act(EXPERT, "RESOLVE", solution="Account created with the author role.")
        await self.act(AGENT, "REOPEN")
        await self.act(EXPERT, "RESOLVE", solution="Workshop 'Chimie L1' opened to the account.")
        await self.act(AGENT, "CLOSE")


LIFE_KINDS = ["ticket.opened", "ticket.assigned", "ticket.taken", "ticket.pending", "ticket.answered",
              "ticket.commented", "ticket.resolved", "ticket.reopened", "ticket.resolved",
              "ticket.closed"]


@pytest.fixture
async def life(session: AsyncSession) -> AsyncIterator[Life]:
    yield Life(session)
