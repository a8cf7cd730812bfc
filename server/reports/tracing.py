"""OpenTelemetry traces, off by default: a span per request, per SQL statement and per desk call.

The `tracing` extra installs the SDK (`pip install groupdesk[tracing]`); GROUPDESK_TRACING picks the
exporter. Requests are traced by the ASGI instrumentation (wrapped inside the request log, so the
request id is known), desk calls by the httpx instrumentation (every connector speaks httpx), and
SQL statements by two SQLAlchemy events here. A span processor writes the request id on every span
started while a request is served, so a trace is found from a log line and the other way round.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from server.db import STATEMENT_EVENTS
from server.errors import ConfigurationError
from server.logs import current_request

REQUEST_ID = "groupdesk.request_id"
_SPAN = "_groupdesk_sql_span"


def tracer_provider_for(exporter: str) -> Any:
    """A provider sending spans to the console or to an OTLP collector (OTEL_EXPORTER_OTLP_*)."""
    try:
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter
    except ImportError:
        raise ConfigurationError("GROUPDESK_TRACING needs the tracing extra: "
                                 "pip install 'groupdesk[tracing]'") from None
    provider = TracerProvider(resource=Resource.create({"service.name": "groupdesk"}))
    if exporter == "otlp":
        try:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        except ImportError:
            raise ConfigurationError("GROUPDESK_TRACING=otlp needs opentelemetry-exporter-otlp-proto-http "
                                     "(pip install 'groupdesk[tracing]')") from None
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    else:
        provider.add_span_processor(BatchSpanProcessor(ConsoleSpanExporter()))
    return provider


def request_id_processor() -> Any:
    """A span processor: every span started during a request carries that request's id."""
    from opentelemetry.sdk.trace import SpanProcessor

    class RequestIdOnSpans(SpanProcessor):
        def on_start(self, span: Any, parent_context: Any = None) -> None:
            facts = current_request.get()
            if facts is not None:
                span.set_attribute(REQUEST_ID, facts.request_id)

    return RequestIdOnSpans()


def install(provider: Any, engine: Engine) -> None:
    """Trace this engine's statements and the process's desk calls with `provider`."""
    provider.add_span_processor(request_id_processor())
    trace_sql(engine, provider.get_tracer("groupdesk.sql"))
    trace_desk_calls(provider)


def trace_sql(engine: Engine, tracer: Any) -> None:
    """One client span per statement the engine sends, named by its verb, with its text."""

    def before(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
               executemany: bool) -> None:
        verb = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else "SQL"
        span = tracer.start_span(verb, kind=_client_kind(), attributes={
            "db.system": engine.dialect.name, "db.statement": statement})
        if context is not None:
            setattr(context, _SPAN, span)

    def after(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
              executemany: bool) -> None:
        span = getattr(context, _SPAN, None)
        if span is not None:
            span.end()

    def failed(exception_context: Any) -> None:
        span = getattr(exception_context.execution_context, _SPAN, None)
        if span is not None:
            span.record_exception(exception_context.original_exception)
            span.end()

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    event.listen(engine, "handle_error", failed)
    # Every statement, pages included, through SQLAlchemy's execution and so these events.
    engine.update_execution_options(**{STATEMENT_EVENTS: True})


def _client_kind() -> Any:
    from opentelemetry.trace import SpanKind

    return SpanKind.CLIENT


def trace_desk_calls(provider: Any) -> None:
    """Spans for every httpx request of the process (the desk connectors'), with this provider."""
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

    instrumentor = HTTPXClientInstrumentor()
    if instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.uninstrument()
    instrumentor.instrument(tracer_provider=provider)


def traced_app_middleware() -> Any:
    """The OpenTelemetry ASGI middleware class: one server span per request."""
    from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware

    return OpenTelemetryMiddleware
