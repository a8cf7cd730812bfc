"""Fake desks shared by the whole session (started once), and connectors built against them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from tenants.desks import DeskConfig, DeskConnector, DeskKind, build_connector
from tests.support import fake_glpi as glpi_fake
from tests.support import fake_itop as itop_fake
from tests.support.fake_glpi import FakeGlpi
from tests.support.fake_itop import FakeItop
from tests.support.smtp_sink import SmtpSink
from tests.support.webhook_receiver import WebhookReceiver

ITOP_MAPPINGS = {
    "org_id": 3,
    "team_id": 21,
    "agent_id": 12,
    "origin": "portal",
    "service": {"Scenari/Account management/Account creation": {"service_id": 31, "servicesubcategory_id": 41}},
}
GLPI_MAPPINGS = {"entities_id": 0, "itilcategories_id": {"Scenari": 7}, "users_id_assign": 5}
WEBHOOK_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
EMAIL_MAPPINGS = {"from": "groupdesk@groupe-insa.example", "to": ["support@insa-rennes.example"]}


def itop_config(fake: FakeItop, *, credentials: dict[str, str] | None = None, **mappings: object) -> DeskConfig:
    """A DeskConfig for the fake iTop; credentials default to the REST account."""
    creds = credentials or {"user": itop_fake.REST_USER, "password": itop_fake.REST_PASSWORD}
    return DeskConfig(DeskKind.ITOP, fake.url, creds, {**ITOP_MAPPINGS, **mappings}, timeout=2.0)


def glpi_config(fake: FakeGlpi, **credentials: str) -> DeskConfig:
    """A DeskConfig for the fake GLPI; credentials default to the valid tokens."""
    creds = {"app_token": glpi_fake.APP_TOKEN, "user_token": glpi_fake.USER_TOKEN, **credentials}
    return DeskConfig(DeskKind.GLPI, fake.url, creds, GLPI_MAPPINGS, timeout=2.0)


def webhook_config(url: str, secret: str = WEBHOOK_SECRET) -> DeskConfig:
    return DeskConfig(DeskKind.WEBHOOK, url, {"secret": secret}, {}, timeout=2.0)


def email_config(sink: SmtpSink, credentials: dict[str, str] | None = None) -> DeskConfig:
    return DeskConfig(DeskKind.EMAIL, f"smtp://127.0.0.1:{sink.port}", credentials or {},
                      EMAIL_MAPPINGS, timeout=2.0)


@pytest.fixture(scope="session")
def fake_itop() -> Iterator[FakeItop]:
    """One fake iTop for the session; a customised data model adds a `group_ref` field."""
    fake = FakeItop(extra_fields=("group_ref",))
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
async def itop(fake_itop: FakeItop) -> AsyncIterator[DeskConnector]:
    """A connector logged in with user/password; the fake is back up after each test."""
    connector = build_connector(itop_config(fake_itop))
    yield connector
    await connector.aclose()
    fake_itop.up()


@pytest.fixture(scope="session")
def fake_glpi() -> Iterator[FakeGlpi]:
    """One fake GLPI for the session."""
    fake = FakeGlpi()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
async def glpi(fake_glpi: FakeGlpi) -> AsyncIterator[DeskConnector]:
    """A connector with valid tokens; the fake is back up after each test."""
    connector = build_connector(glpi_config(fake_glpi))
    yield connector
    await connector.aclose()
    fake_glpi.up()


@pytest.fixture(scope="session")
def webhook_receiver() -> Iterator[WebhookReceiver]:
    """One receiver for the session, reset before each test that uses it."""
    receiver = WebhookReceiver()
    receiver.start()
    yield receiver
    receiver.stop()


@pytest.fixture
async def webhook(webhook_receiver: WebhookReceiver) -> AsyncIterator[DeskConnector]:
    webhook_receiver.reset()
    connector = build_connector(webhook_config(webhook_receiver.url))
    yield connector
    await connector.aclose()


@pytest.fixture(scope="session")
def smtp_sink() -> Iterator[SmtpSink]:
    """A real aiosmtpd server on loopback for the session."""
    sink = SmtpSink()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
def email(smtp_sink: SmtpSink) -> DeskConnector:
    return build_connector(email_config(smtp_sink))
