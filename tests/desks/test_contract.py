"""The connector contract shared by every desk."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from tenants.desks import (
    DeskConfig,
    DeskConnector,
    DeskEvent,
    DeskKind,
    EventKind,
    build_connector,
)
from tenants.desks.render import comment, marker
from tests.support.desk_payloads import event, ticket


@pytest.mark.parametrize("kind", list(DeskKind))
async def test_build_connector_gives_each_kind_its_connector(kind: DeskKind) -> None:
    async with httpx.AsyncClient() as shared:
        connector = build_connector(DeskConfig(kind, "http://127.0.0.1:1", {}, {}), http=shared)
        assert isinstance(connector, DeskConnector) and connector.kind is kind
        await connector.aclose()
        assert not shared.is_closed  # a shared client belongs to the caller


def test_event_values_and_field_order() -> None:
    assert EventKind.OPENED == "ticket.opened" and EventKind.CLOSED.value == "ticket.closed"
    group = ticket()
    when = datetime.now(UTC)
    made = DeskEvent("evt-1", EventKind.COMMENTED, group, "text", "Noé Lambert", occurred_at=when)
    assert (made.message, made.author, made.occurred_at) == ("text", "Noé Lambert", when)


def test_markers_survive_desks_that_escape_odd_characters() -> None:
    group = ticket()
    plain = event(EventKind.COMMENTED, group, "hi")
    assert marker(plain) == f"[groupdesk event {plain.event_id}]"
    odd = DeskEvent("outbox/42 <x&y>", EventKind.COMMENTED, group, occurred_at=datetime.now(UTC))
    assert marker(odd).startswith("[groupdesk event sha256-") and "<" not in marker(odd)
    assert comment(plain).endswith(marker(plain))
