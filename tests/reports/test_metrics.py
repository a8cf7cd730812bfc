"""/metrics: one registry with the request, SQL, socket, login, outbox, mail and escalation families."""

from __future__ import annotations

from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from groupdesk.app import create_app
from server.config import Settings
from server.sla.models import TicketEscalation
from tests.reports.known_tickets import load_known_tickets

FAMILIES = {"groupdesk_requests", "groupdesk_request_seconds", "groupdesk_sql_statements_per_request",
            "groupdesk_websockets_open", "groupdesk_subscriptions_active", "groupdesk_login_failures",
            "groupdesk_outbox_backlog", "groupdesk_outbox_delivered", "groupdesk_mirror_backlog",
            "groupdesk_notifications_sent", "groupdesk_notifications_failed", "groupdesk_sla_escalations"}


async def scrape(client: httpx.AsyncClient, **headers: str) -> dict[str, Any]:
    response = await client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    return {f.name: f for f in text_string_to_metric_families(response.text)}


def sample(families: dict[str, Any], name: str, suffix: str = "", **labels: str) -> float:
    family = families.get(name)
    if family is None:
        return 0.0
    return sum(s.value for s in family.samples
               if s.name == name + suffix and all(s.labels.get(k) == v for k, v in labels.items()))


async def test_metrics_expose_every_family_in_one_registry(client: httpx.AsyncClient) -> None:
    families = await scrape(client)
    assert FAMILIES <= set(families), FAMILIES - set(families)


async def test_a_graphql_request_is_counted_with_its_operation_outcome_latency_and_statements(
        client: httpx.AsyncClient, gql: Any) -> None:
    before = await scrape(client)
    await client.post("/graphql", json={"query": "query MetricsProbe { bricks { code } }",
                                        "operationName": "MetricsProbe"},
                      headers={"Authorization": f"Bearer {gql.token_for('valentine.orsembaud')}"})
    after = await scrape(client)
    labels = {"operation": "MetricsProbe", "outcome": "ok"}
    assert sample(after, "groupdesk_requests", "_total", **labels) - \
        sample(before, "groupdesk_requests", "_total", **labels) == 1
    assert sample(after, "groupdesk_request_seconds", "_count", **labels) - \
        sample(before, "groupdesk_request_seconds", "_count", **labels) == 1
    statements = sample(after, "groupdesk_sql_statements_per_request", "_sum", operation="MetricsProbe") - \
        sample(before, "groupdesk_sql_statements_per_request", "_sum", operation="MetricsProbe")
    assert statements >= 1, "the catalogue is read from the database"


async def test_refused_credentials_are_counted_by_reason(client: httpx.AsyncClient) -> None:
    before = await scrape(client)
    await client.post("/graphql", json={"query": "{ bricks { code } }"}, headers={"Authorization": "Basic abc"})
    after = await scrape(client)
    assert sample(after, "groupdesk_login_failures", "_total", reason="malformed_header") - \
        sample(before, "groupdesk_login_failures", "_total", reason="malformed_header") == 1
    unauthenticated = {"operation": "anonymous", "outcome": "error:UNAUTHENTICATED"}
    assert sample(after, "groupdesk_requests", "_total", **unauthenticated) > \
        sample(before, "groupdesk_requests", "_total", **unauthenticated)


async def test_escalations_are_read_from_the_database(session: AsyncSession, client: httpx.AsyncClient) -> None:
    await load_known_tickets(session)
    stored = await session.scalar(select(func.count()).select_from(TicketEscalation).where(
        TicketEscalation.target == "TAKE", TicketEscalation.level == "BREACHED"))
    families = await scrape(client)
    assert stored >= 1
    assert sample(families, "groupdesk_sla_escalations", "_total", target="TAKE", level="BREACHED") == stored


async def test_a_metrics_token_closes_the_endpoint_to_others(settings: Settings, engine: AsyncEngine,
                                                            sessions: async_sessionmaker[AsyncSession]) -> None:
    app = create_app(settings.model_copy(update={"metrics_token": "scrape-7d1"}), engine=engine, sessions=sessions)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://groupdesk.test") as c:
        assert (await c.get("/metrics")).status_code == 401
        assert (await c.get("/metrics", headers={"Authorization": "Bearer wrong"})).status_code == 401
        assert "groupdesk_requests" in await scrape(c, Authorization="Bearer scrape-7d1")
