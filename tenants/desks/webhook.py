"""Webhook connector: events POSTed as JSON and signed the Standard Webhooks way."""

from __future__ import annotations

import binascii
import json
import uuid
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import httpx
from standardwebhooks import Webhook
from standardwebhooks.webhooks import EmptyWebhookSecretError

from tenants.desks.base import (
    CheckOutcome,
    CheckResult,
    DeskConfig,
    DeskError,
    DeskEvent,
    DeskKind,
    DeskTicket,
    EventKind,
    RemoteTicket,
)
from tenants.desks.transport import HttpDesk

CHECK_TYPE = "groupdesk.check"


def envelope(event_type: str, event_id: str, occurred_at: datetime, data: dict[str, Any]) -> str:
    """The JSON body, serialised once so that the bytes signed are the bytes sent."""
    body = {"type": event_type, "id": event_id, "timestamp": occurred_at.isoformat(), "data": data}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


class WebhookConnector:
    """Posts signed events to a school's own receiver."""

    kind = DeskKind.WEBHOOK

    def __init__(self, config: DeskConfig, http: httpx.AsyncClient | None = None) -> None:
        self.url = config.url
        self.secret = config.credentials.get("secret", "")
        self.installation = config.installation
        self._desk = HttpDesk("Webhook receiver", config.url, config.timeout, http)

    def _signer(self) -> Webhook:
        try:
            return Webhook(self.secret)
        except (EmptyWebhookSecretError, binascii.Error, ValueError, RuntimeError):
            raise DeskError(
                "the webhook secret is missing or not in the whsec_<base64> form", retryable=False
            ) from None

    def _headers(self, msg_id: str, body: str) -> dict[str, str]:
        # Signed at send time, not at occurred_at: receivers reject timestamps older than a few
        # minutes, and a retry may come hours later. The id stays the event's idempotency key.
        now = datetime.now(UTC).replace(microsecond=0)
        return {
            "webhook-id": msg_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": self._signer().sign(msg_id, now, body),
            "content-type": "application/json",
        }

    async def _post(self, msg_id: str, body: str) -> httpx.Response:
        response = await self._desk.request(
            "POST", self.url, content=body.encode(), headers=self._headers(msg_id, body)
        )
        if not response.is_success:
            raise self._error(response)
        return response

    def _error(self, response: httpx.Response) -> DeskError:
        detail = response.text.strip()[:200]
        if response.status_code in (401, 403):
            detail = "the receiver rejected the signature or the sender; check the shared secret"
        return self._desk.status_error(response, detail)

    async def find(self, group_ref: str) -> RemoteTicket | None:
        """GET {url}/tickets/{ref}, for receivers that offer it; 404/405/501 mean no lookup."""
        url = f"{self.url.rstrip('/')}/tickets/{quote(group_ref, safe='')}"
        headers = self._headers(f"find-{uuid.uuid4()}", "")
        response = await self._desk.request("GET", url, headers=headers)
        if response.status_code in (404, 405, 501):
            return None
        if not response.is_success:
            raise self._error(response)
        return _remote(response)

    async def create(self, ticket: DeskTicket) -> RemoteTicket:
        """Post ticket.opened; a retry reuses the webhook-id so the receiver can drop it."""
        data = {**asdict(ticket), "message": None, "author": None, "remote": None,
                "installation": self.installation}
        body = envelope(EventKind.OPENED.value, f"opened-{ticket.group_ref}", datetime.now(UTC), data)
        response = await self._post(f"opened-{ticket.group_ref}", body)
        return _remote(response) or RemoteTicket(ticket.group_ref, ticket.group_ref)

    async def apply(self, remote: RemoteTicket, event: DeskEvent) -> None:
        """Post the event with the ticket as it stands and the local ids."""
        data = {
            **asdict(event.ticket),
            "message": event.message,
            "author": event.author,
            "remote": {"id": remote.id, "ref": remote.ref},
            "installation": self.installation,
        }
        await self._post(event.event_id, envelope(event.kind.value, event.event_id, event.occurred_at, data))

    async def check(self) -> CheckResult:
        """Post a signed test event; the receiver should accept it with any 2xx."""
        try:
            self._signer()
        except DeskError as exc:  # nothing can be signed, so nothing is sent
            return CheckResult(CheckOutcome.NOT_CONFIGURED, exc.message)
        try:
            check_id = f"check-{uuid.uuid4()}"
            response = await self._post(check_id, envelope(CHECK_TYPE, check_id, datetime.now(UTC), {}))
            return CheckResult(CheckOutcome.OK, f"receiver at {self.url} accepted a signed test event "
                                                f"(HTTP {response.status_code})")
        except DeskError as exc:
            return CheckResult.failed(exc)

    async def aclose(self) -> None:
        """Close the HTTP client if we own it."""
        await self._desk.aclose()


def _remote(response: httpx.Response) -> RemoteTicket | None:
    """The receiver's `{"id", "ref"}` answer, if it gave one."""
    try:
        body = response.json()
    except ValueError:
        return None
    if isinstance(body, dict) and body.get("id") not in (None, ""):
        return RemoteTicket(id=str(body["id"]), ref=str(body.get("ref") or body["id"]))
    return None
