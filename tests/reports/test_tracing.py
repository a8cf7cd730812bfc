"""OpenTelemetry traces with the SDK's in-memory exporter: request, SQL and desk call spans."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from sqlalchemy.ext.asyncio import AsyncEngine

from groupdesk.app import create_app
from server.config import Settings
from server.db import create_engine, session_factory
from server.reports.tracing import REQUEST_ID


@pytest.fixture(autouse=True)
def desk_calls_untraced_afterwards() -> Iterator[None]:
    """The httpx instrumentation is process-wide: later tests do not keep this test's provider."""
    yield
    instrumentor = HTTPXClientInstrumentor()
    if instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.uninstrument()


@pytest.fixture
async def own_engine(engine: AsyncEngine) -> AsyncIterator[AsyncEngine]:
    """An engine of its own: the SQL listeners the traced app adds leave with it."""
    traced = create_engine(engine.url.render_as_string(hide_password=False))
    yield traced
    await traced.dispose()


def _traced_app(settings: Settings, engine: AsyncEngine) -> tuple[Any, InMemorySpanExporter, str]:
    """An app tracing into memory, and the group administrator's token."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    app = create_app(settings, engine=engine, sessions=session_factory(engine), tracer_provider=provider)
    token = app.state.runtime.local_issuer.sign("valentine.orsembaud", username="valentine.orsembaud")
    return app, exporter, token


async def test_a_request_has_one_server_span_and_a_span_per_statement_all_with_its_request_id(
        settings: Settings, own_engine: AsyncEngine) -> None:
    app, exporter, token = _traced_app(settings, own_engine)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://groupdesk.test") as c:
        response = await c.post("/graphql", json={"query": "{ bricks { code } }"},
                                headers={"Authorization": f"Bearer {token}", "X-Request-Id": "trace-me-42"})
    assert response.status_code == 200 and response.headers["x-request-id"] == "trace-me-42"
    spans = [s for s in exporter.get_finished_spans() if s.attributes.get(REQUEST_ID) == "trace-me-42"]
    servers = [s for s in spans if s.kind is SpanKind.SERVER]
    statements = [s for s in spans if "db.statement" in s.attributes]
    assert len(servers) == 1
    assert any("FROM brick" in s.attributes["db.statement"] for s in statements)
    assert all(s.context.trace_id == servers[0].context.trace_id for s in statements)


async def test_tracing_is_off_by_default(settings: Settings) -> None:
    assert settings.tracing == "off"


async def test_a_desk_call_gets_a_client_span(settings: Settings, own_engine: AsyncEngine) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    create_app(settings, engine=own_engine, sessions=session_factory(own_engine), tracer_provider=provider)

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with httpx.AsyncClient() as desk:
            assert (await desk.get(f"http://127.0.0.1:{port}/webservices/rest.php")).text == "ok"
    finally:
        server.close()
        await server.wait_closed()
    calls = [s for s in exporter.get_finished_spans() if s.kind is SpanKind.CLIENT
             and "db.statement" not in s.attributes]
    assert len(calls) == 1 and calls[0].name == "GET"


async def test_a_list_page_gets_its_statement_span_whichever_way_it_is_read(
        settings: Settings, own_engine: AsyncEngine) -> None:
    """On PostgreSQL a page is read by asyncpg itself (server.direct_rows) unless the engine's
    statements are traced: then it goes through SQLAlchemy, whose events make its span."""
    app, exporter, token = _traced_app(settings, own_engine)
    query = {"query": "{ tickets(first: 5) { edges { node { ref brick { code } } } } }"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://groupdesk.test") as c:
        for n in range(2):  # the second one by the known path
            response = await c.post("/graphql", json=query, headers={
                "Authorization": f"Bearer {token}", "X-Request-Id": f"page-{n}"})
            assert response.status_code == 200 and "errors" not in response.json(), response.text
    for n in range(2):
        statements = [s.attributes["db.statement"] for s in exporter.get_finished_spans()
                      if s.attributes.get(REQUEST_ID) == f"page-{n}" and "db.statement" in s.attributes]
        assert any("FROM ticket LEFT OUTER JOIN" in s for s in statements), statements
