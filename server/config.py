"""Settings, read from the environment (prefix GROUPDESK_) and an optional .env file."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


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
    # GraphQL guard rails.
    max_query_depth: int = Field(default=12, ge=2)
    max_page_size: int = Field(default=100, ge=1, le=1000)
    # SCIM groups named <prefix><role> or <prefix>expert-<brick> grant groupdesk roles (README).
    scim_group_prefix: str = Field(default="groupdesk-", min_length=1)

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
        return self

    @property
    def is_production(self) -> bool:
        return self.env is Environment.PRODUCTION

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
