"""Connectors to the schools' local desks (iTop, GLPI, signed webhooks, e-mail gateways)."""

from __future__ import annotations

import httpx

from tenants.desks.base import (
    CheckOutcome,
    CheckResult,
    DeskConfig,
    DeskConnector,
    DeskError,
    DeskEvent,
    DeskKind,
    DeskTicket,
    EventKind,
    RemoteTicket,
)
from tenants.desks.email import EmailConnector
from tenants.desks.glpi import GlpiConnector
from tenants.desks.itop import ItopConnector
from tenants.desks.webhook import WebhookConnector

__all__ = [
    "CheckOutcome",
    "CheckResult",
    "DeskConfig",
    "DeskConnector",
    "DeskError",
    "DeskEvent",
    "DeskKind",
    "DeskTicket",
    "EventKind",
    "RemoteTicket",
    "build_connector",
]


def build_connector(config: DeskConfig, *, http: httpx.AsyncClient | None = None) -> DeskConnector:
    """The connector for a desk; a shared `http` client is used but never closed by it."""
    match DeskKind(config.kind):
        case DeskKind.ITOP:
            return ItopConnector(config, http)
        case DeskKind.GLPI:
            return GlpiConnector(config, http)
        case DeskKind.WEBHOOK:
            return WebhookConnector(config, http)
        case DeskKind.EMAIL:
            return EmailConnector(config)
    raise ValueError(f"unknown desk kind {config.kind!r}")
