"""Settings, read from the environment (prefix GROUPDESK_) and an optional .env file."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from server.identity.settings_checks import check_identity_settings


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GROUPDESK_", env_file=".env", extra="ignore")

    env: Environment = Environment.DEVELOPMENT
    database_url: str = "sqlite+aiosqlite:///./groupdesk.db"
    broker_url: str | None = Field(default=None, description="redis:// or amqp://; unset = embedded relay")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    log_level: str = "INFO"
    # Demo data loaded at start in development when the database has no tenant yet.
    demo_federation: bool = True
    # The development-only token issuer (`groupdesk token USERNAME`); refused in production.
    dev_issuer: bool | None = None
    dev_issuer_key_file: Path = Path(".groupdesk/dev-issuer-key.json")
    # Migrate to head when the app starts (default: in development only).
    migrate_on_start: bool | None = None
    # SSO: the Keycloak realms whose access tokens are trusted (see README, "Identity and SSO").
    oidc_server_url: str | None = None
    # "insa" or "insa,partners" (tenant from claims), or "insa-lyon=insa-lyon,..." (one realm per school).
    oidc_realms: str = ""
    oidc_audience: str = "groupdesk"
    # The client whose resource_access roles count; defaults to the audience.
    oidc_client_id: str | None = None
    tenant_claim: Literal["organization", "group-path", "realm"] = "organization"
    tenant_group_prefix: str = "/schools/"
    oidc_leeway: int = Field(default=30, ge=0, le=300)
    # An unknown kid refetches the realm's keys at most this often (seconds).
    oidc_jwks_refetch_interval: float = Field(default=30.0, gt=0)
    # Mirror delivery: dramatiq's retry semantics (exponential backoff with jitter), then PAUSED.
    mirror_max_retries: int = Field(default=8, ge=0, le=100)
    mirror_min_backoff_ms: int = Field(default=15_000, ge=1)
    mirror_max_backoff_ms: int = Field(default=3_600_000, ge=1)
    # How long a delivery holds a ticket; a crashed worker's claim is taken over after it.
    # Keep it above four desk calls at the longest desk timeout (30 s): a claim must outlive its delivery.
    mirror_lease_seconds: float = Field(default=120.0, gt=0)
    # The sweep that re-sends whatever is due (lost messages, retries, a desk back up).
    relay_interval_seconds: float = Field(default=5.0, gt=0)
    # The worker's sweep re-sends a ticket only when its oldest waiting event is this old, and not
    # again within this time: messages already on their way are not multiplied.
    mirror_sweep_grace_seconds: float = Field(default=30.0, ge=0)
    # Tickets delivered at once by the embedded relay or by one sweep.
    mirror_concurrency: int = Field(default=4, ge=1, le=64)
    # Run the embedded relay inside the app when no broker is configured.
    embedded_relay: bool = True
    # GraphQL guard rails.
    max_query_depth: int = Field(default=12, ge=2)
    max_page_size: int = Field(default=100, ge=1, le=1000)
    # Bad input: JSON nesting allowed in `variables` and `requestData`; ticket filter list length.
    max_json_depth: int = Field(default=64, ge=4, le=200)
    max_filter_values: int = Field(default=100, ge=1, le=10_000)
    # Limits on one request, checked before it runs (README, "Limits on queries").
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    max_query_bytes: int = Field(default=100_000, ge=1024)
    max_query_tokens: int = Field(default=10_000, ge=100)
    max_operations: int = Field(default=20, ge=1)
    max_aliases: int = Field(default=30, ge=0)
    max_directives_per_field: int = Field(default=5, ge=1)
    max_query_cost: int = Field(default=50_000, ge=1)
    max_execution_seconds: float = Field(default=10.0, gt=0)
    # Schema introspection (GraphiQL's docs); default: on in development, off in production.
    introspection: bool | None = None
    # A resolved ticket closes itself after this many days unless the school reopens it.
    auto_close_days: int = Field(default=7, ge=0)
    # How often the periodic work (auto-close) runs, in seconds; 0 turns the scheduler off.
    tick_seconds: int = Field(default=300, ge=0)
    # How often the SLA sweep looks for tickets crossing 75% or 100% of a target; 0: never.
    sla_sweep_seconds: int = Field(default=60, ge=0)
    # SCIM groups named <prefix><role> or <prefix>expert-<brick> grant groupdesk roles (README).
    scim_group_prefix: str = Field(default="groupdesk-", min_length=1)
    # Identity hardening: key ageing, open WebSockets re-checked, rate limits (README, "Identity and SSO").
    oidc_jwks_max_age: float = Field(default=300.0, gt=0)
    oidc_jwks_max_stale: float = Field(default=3600.0, gt=0)
    oidc_jwks_retry_seconds: float = Field(default=2.0, gt=0)
    ws_recheck_seconds: float = Field(default=15.0, gt=0)
    rate_limit_storage: str = "memory://"
    rate_limit_failed_auth: str = "30/minute"
    rate_limit_principal: str = "600/minute"
    rate_limit_key_prefix: str = Field(default="groupdesk", min_length=1)
    # Outages and retries: the Retry-After of a 503, how long an openTicket idempotency key holds.
    outage_retry_after_seconds: int = Field(default=5, ge=1, le=3600)
    idempotency_key_hours: int = Field(default=24, ge=1, le=24 * 30)
    # Browser clients: origins allowed to call the API (CORS), preflight cache, HSTS (README).
    cors_origins: str = ""
    cors_max_age: int = Field(default=600, ge=0, le=86_400)
    hsts_seconds: int = Field(default=0, ge=0)
    # Notification mails (server/notify): the SMTP relay they go through; unset keeps them in the
    # outbox until one is configured (nothing is lost, nothing is sent).
    smtp_host: str | None = None
    smtp_port: int = Field(default=25, ge=1, le=65535)
    # auto: STARTTLS when the server offers it; starttls: required; tls: implicit TLS (port 465).
    smtp_tls: Literal["auto", "starttls", "tls", "none"] = "auto"
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_timeout_seconds: float = Field(default=30.0, gt=0, le=300)
    mail_from: str = "groupdesk <groupdesk@localhost>"
    # Where the links in mails point: the portal or this server.
    public_url: str = "http://127.0.0.1:8000"
    # A failing mail is retried with dramatiq's backoff, then kept as failed.
    mail_max_retries: int = Field(default=10, ge=0, le=100)
    mail_min_backoff_ms: int = Field(default=15_000, ge=1)
    mail_max_backoff_ms: int = Field(default=3_600_000, ge=1)
    mail_lease_seconds: float = Field(default=120.0, gt=0)
    # The web console: its built files (served at /), and its public OIDC client in the realms.
    console_dir: Path = Path("web/dist")
    console_client_id: str = "groupdesk-portal"

    @field_validator("cors_origins")
    @classmethod
    def _exact_origins(cls, value: str) -> str:
        for entry in (part.strip() for part in value.split(",")):
            parsed = urlsplit(entry)
            # Exact origins only: a wildcard or a pattern would let any site call the API.
            if entry and (parsed.scheme not in ("http", "https") or not parsed.hostname or "*" in entry
                          or parsed.path or parsed.query or parsed.fragment or parsed.username):
                raise ValueError(f"{entry!r} is not an origin like https://portal.example.org "
                                 f"(scheme, host and optional port; no path, no wildcard)")
        return value

    def cors_origin_list(self) -> list[str]:
        """The origins of GROUPDESK_CORS_ORIGINS, as browsers send them in `Origin`."""
        return [entry.strip().lower() for entry in self.cors_origins.split(",") if entry.strip()]

    @model_validator(mode="after")
    def _production_is_locked_down(self) -> Settings:
        if self.dev_issuer is None:
            self.dev_issuer = self.env is Environment.DEVELOPMENT
        if self.migrate_on_start is None:
            self.migrate_on_start = self.env is Environment.DEVELOPMENT
        if self.env is Environment.PRODUCTION and self.dev_issuer:
            raise ValueError(
                "GROUPDESK_DEV_ISSUER cannot be enabled with GROUPDESK_ENV=production: "
                "the development issuer signs tokens for anyone"
            )
        check_identity_settings(self)
        self.trusted_realms()  # a malformed GROUPDESK_OIDC_REALMS fails at start, naming the entry
        return self

    def trusted_realms(self) -> list[tuple[str, str | None]]:
        """(realm, tenant slug or None) for each entry of GROUPDESK_OIDC_REALMS."""
        realms: list[tuple[str, str | None]] = []
        for entry in (part.strip() for part in self.oidc_realms.split(",")):
            if not entry:
                continue
            name, sep, tenant = (piece.strip() for piece in entry.partition("="))
            if not name or (sep and not tenant):
                raise ValueError(f"GROUPDESK_OIDC_REALMS: {entry!r} is not 'realm' or 'realm=tenant-slug'")
            if name in (r for r, _ in realms):
                raise ValueError(f"GROUPDESK_OIDC_REALMS: realm {name!r} is listed twice")
            realms.append((name, tenant or None))
        if realms and not self.oidc_server_url:
            raise ValueError("GROUPDESK_OIDC_SERVER_URL is required when GROUPDESK_OIDC_REALMS is set")
        if self.tenant_claim == "realm":
            shared = [name for name, tenant in realms if tenant is None]
            if shared:
                raise ValueError(f"GROUPDESK_TENANT_CLAIM=realm needs 'realm=tenant-slug' for every realm; "
                                 f"{', '.join(shared)} names no tenant")
        return realms

    @property
    def is_production(self) -> bool:
        return self.env is Environment.PRODUCTION

    @property
    def introspection_enabled(self) -> bool:
        return self.introspection if self.introspection is not None else not self.is_production

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
