"""The ASGI application: routes, lifespan, health and readiness."""

from __future__ import annotations

import contextlib
import hmac
import datetime as dt
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute

from groupdesk.body_limit import BodySizeLimit
from groupdesk.console import console_routes
from groupdesk.exports import CsvExports
from groupdesk.http_middleware import browser_middleware
from groupdesk.wiring import register_followers
from server import migrations
from server.config import Settings
from server.db import create_engine, session_factory, utcnow, writer_session
from server.errors import ConfigurationError
from server.identity.auth import Authenticator
from server.identity.principal_cache import PrincipalCache
from server.identity.claims import TenantClaimMode
from server.identity import revocations  # noqa: F401  (commits that revoke close open sockets)
from server.identity.local_issuer import LocalIssuer
from server.identity.rate_limits import RateLimits
from server.identity.sso_users import TenantRule
from server.identity.tokens import RealmConfig, TokenVerifier
from server.jobs.scheduler import build_scheduler
from server.live.backends import build_bus
from server.live.hub import LiveHub
from server.scim.endpoint import ScimEndpoint
from server.logs import RequestLog
from server.reports import tracing
from server.reports.request_metrics import RequestMetrics
from server.outages import OutageGuard
from server.schema_gate import SchemaGate
from server.mirror.hooks import desk_hook

log = logging.getLogger("groupdesk")


@dataclass
class Runtime:
    """What the running app holds: reachable from request.app.state.runtime."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    verifier: TokenVerifier
    local_issuer: LocalIssuer | None
    # The periodic ticks while the app runs; None before start-up or when disabled.
    scheduler: AsyncIOScheduler | None = None
    # The embedded relay (no broker) or the broker dispatch, once the app has started.
    delivery: Any = None
    # Counts of failed authentications and of requests per caller (memory or Redis).
    rate_limits: RateLimits | None = None
    # The live updates' fan-out to this process's subscriptions (server/live/hub.py).
    live: LiveHub | None = None


def trusted_realms(settings: Settings) -> list[RealmConfig]:
    """One RealmConfig per entry of GROUPDESK_OIDC_REALMS, on GROUPDESK_OIDC_SERVER_URL."""
    return [
        RealmConfig(server_url=settings.oidc_server_url or "", realm=name,
                    audience=settings.oidc_audience, client_id=settings.oidc_client_id, tenant=tenant)
        for name, tenant in settings.trusted_realms()
    ]


def build_verifier(settings: Settings) -> tuple[TokenVerifier, LocalIssuer | None]:
    realms = trusted_realms(settings)
    if settings.is_production and not realms:
        raise ConfigurationError(
            "no trusted realm: set GROUPDESK_OIDC_SERVER_URL and GROUPDESK_OIDC_REALMS, "
            "otherwise nobody can log in (production has no development issuer)")
    local = LocalIssuer.load_or_create(settings.dev_issuer_key_file) if settings.dev_issuer else None
    verifier = TokenVerifier(realms, local=local, leeway=settings.oidc_leeway,
                             min_refetch_interval=settings.oidc_jwks_refetch_interval,
                             jwks_max_age=settings.oidc_jwks_max_age,
                             jwks_max_stale=settings.oidc_jwks_max_stale,
                             jwks_retry_after=settings.oidc_jwks_retry_seconds)
    return verifier, local


def build_authenticator(settings: Settings, verifier: TokenVerifier,
                        sessions: async_sessionmaker[AsyncSession]) -> Authenticator:
    rule = TenantRule(mode=TenantClaimMode(settings.tenant_claim),
                      group_prefix=settings.tenant_group_prefix)
    return Authenticator(verifier, sessions, tenant_rule=rule,
                         cache=PrincipalCache(settings.principal_cache_seconds))


def build_rate_limits(settings: Settings) -> RateLimits:
    return RateLimits(storage_uri=settings.rate_limit_storage, failed_auth=settings.rate_limit_failed_auth,
                      per_principal=settings.rate_limit_principal, key_prefix=settings.rate_limit_key_prefix)


async def load_demo_if_empty(settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> None:
    """First start in development: an empty database gets the demo federation."""
    from server.identity.models import Tenant
    from server.importing import import_federation
    from tenants.federation import demo_federation_path, load_federation

    async with writer_session(sessions) as session:
        if await session.scalar(select(Tenant.id).limit(1)) is not None:
            return
        report = await import_federation(session, load_federation(demo_federation_path()))
        log.info("demo federation loaded", extra={"fields": {"created": dict(report.created)}})
        from groupdesk.demo_tickets import create_demo_tickets

        log.info("demo tickets opened", extra={"fields": {"tickets": await create_demo_tickets(session)}})


def create_app(settings: Settings | None = None, *, engine: AsyncEngine | None = None,
               sessions: async_sessionmaker[AsyncSession] | None = None,
               clock: Callable[[], dt.datetime] = utcnow, tracer_provider: Any = None) -> Starlette:
    """The app; tests pass their own engine and sessions (which the app then does not dispose),
    and may pass the clock that time-based answers (SLA clocks) read and an OpenTelemetry
    tracer provider (otherwise GROUPDESK_TRACING decides)."""
    import schema
    from schema.graphiql import graphiql_assets
    from schema.view import GroupdeskGraphQL

    register_followers()
    settings = settings or Settings()
    owns_engine = engine is None
    engine = engine or create_engine(settings.database_url, pool_size=settings.db_pool_size,
                                   max_overflow=settings.db_max_overflow)
    sessions = sessions or session_factory(engine)
    verifier, local = build_verifier(settings)
    runtime = Runtime(settings, engine, sessions, verifier, local, rate_limits=build_rate_limits(settings),
                      live=LiveHub(build_bus(settings), sessions, capacity=settings.live_buffer))
    schema_gate = SchemaGate(engine, enabled=settings.is_production and not settings.migrate_on_start)
    graphql = GroupdeskGraphQL(
        schema.build_schema(production=settings.is_production),
        settings=settings, sessions=sessions,
        authenticator=build_authenticator(settings, verifier, sessions), rate_limits=runtime.rate_limits,
        clock=clock, live=runtime.live)

    csv_exports = CsvExports(graphql.gate, sessions, settings)
    if tracer_provider is None and settings.tracing != "off":
        tracer_provider = tracing.tracer_provider_for(settings.tracing)
    if tracer_provider is not None:
        tracing.install(tracer_provider, engine.sync_engine)
    traced = ([Middleware(tracing.traced_app_middleware(), tracer_provider=tracer_provider,
                          exclude_spans=["receive", "send"])] if tracer_provider is not None else [])

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if settings.migrate_on_start:
            await migrations.upgrade(engine)
            if settings.demo_federation and not settings.is_production:
                await load_demo_if_empty(settings, sessions)
        await schema_gate.at_start()
        runtime.scheduler = build_scheduler(settings, sessions)
        if runtime.scheduler is not None:
            runtime.scheduler.start()
        await start_delivery(runtime)
        assert runtime.live is not None
        await runtime.live.start()
        try:
            yield
        finally:
            await runtime.live.stop()
            if runtime.delivery is not None:
                await runtime.delivery.stop()
            if runtime.scheduler is not None:
                runtime.scheduler.shutdown(wait=False)
            await verifier.aclose()
            if runtime.rate_limits is not None:
                await runtime.rate_limits.aclose()
            if owns_engine:
                await engine.dispose()

    app = Starlette(
        routes=[
            # First: nearly every request is for /graphql, and the router tries routes in order.
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics),
            Route("/hooks/desks/{school}", desk_hook, methods=["POST"]),
            Route("/exports/tickets.csv", csv_exports.tickets),
            Route("/exports/stats.csv", csv_exports.stats),
            Mount("/scim", app=ScimEndpoint(sessions, group_prefix=settings.scim_group_prefix)),
            *([] if settings.is_production else [graphiql_assets()]),
            # Last: the console's files answer for any other path; without a build, / leads to GraphiQL.
            *console_routes(settings, local, sessions),
            Route("/", home),
        ],
        middleware=[Middleware(RequestLog, access_log=settings.access_log_enabled), *traced, Middleware(RequestMetrics), *browser_middleware(settings),
                    Middleware(OutageGuard, retry_after_seconds=settings.outage_retry_after_seconds,
                               schema_gate=schema_gate),
                    Middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)],
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    # Queries the known path serves (schema.known_path): /metrics and tests read how many.
    app.state.known_documents = graphql.known
    return app


async def start_delivery(runtime: Runtime) -> None:
    """Deliveries to the schools' desks and notification mails: by the broker's workers, or by a
    relay in this process."""
    settings = runtime.settings
    if settings.broker_url:
        from server.jobs.dispatch import BrokerDispatch

        runtime.delivery = BrokerDispatch(settings)
    elif settings.embedded_relay:
        from server.mirror.relay import EmbeddedRelay
        from server.notify.delivery import MailDelivery

        # Notification mails ride the same relay; without an SMTP host they wait in the outbox.
        mail = [MailDelivery.for_settings(settings, runtime.sessions)] if settings.smtp_host else []
        runtime.delivery = EmbeddedRelay.for_app(settings, runtime.sessions, lanes=mail)
    if runtime.delivery is not None:
        await runtime.delivery.start()


async def metrics(request: Request) -> Response:
    """Prometheus text exposition: requests, SQL, sockets, logins, desks' outboxes, mails, escalations,
    and the operations compiled or left to graphql-core (this process's counts)."""
    from schema.compiled.fallback import metrics_text
    from server.reports.metrics import CONTENT_TYPE, exposition

    runtime: Runtime = request.app.state.runtime
    expected = runtime.settings.metrics_token
    if expected:
        given = request.headers.get("authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {expected}".encode()):
            return PlainTextResponse("metrics need Authorization: Bearer <GROUPDESK_METRICS_TOKEN>\n",
                                     status_code=401, headers={"WWW-Authenticate": "Bearer"})
    async with runtime.sessions() as session:
        body = await exposition(session) + metrics_text().encode()
    return Response(body, media_type=CONTENT_TYPE)


async def home(request: Request) -> RedirectResponse:
    return RedirectResponse("/graphql")


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    runtime: Runtime = request.app.state.runtime
    checks: dict[str, str] = {}
    try:
        async with runtime.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
        current, head = await migrations.current_revision(runtime.engine), migrations.head_revision()
        checks["schema"] = "ok" if current == head else f"at {current}, head is {head}: run `groupdesk migrate`"
    except Exception:  # readiness reports, it does not crash
        # The driver's words stay in the log (which carries the request id): probes may be public.
        log.warning("readiness check: the database did not answer", exc_info=True)
        request_id = request.scope.get("state", {}).get("request_id", "-")
        checks.setdefault("database", f"unreachable: see the server log, request id {request_id}")
    ready = all(v == "ok" for v in checks.values()) and len(checks) == 2
    return JSONResponse({"status": "ready" if ready else "not ready", "checks": checks},
                        status_code=200 if ready else 503)
