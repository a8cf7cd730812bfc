"""The webhook connector against a receiver on loopback, verified with standardwebhooks."""

from __future__ import annotations

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from tenants.desks import CheckOutcome, DeskConnector, DeskError, EventKind, RemoteTicket, build_connector
from tests.desks.conftest import WEBHOOK_SECRET, webhook_config
from tests.support.desk_payloads import event, full_life, ticket
from tests.support.live_server import free_port
from tests.support.webhook_receiver import WebhookReceiver


async def test_events_are_signed_and_verifiable(webhook: DeskConnector, webhook_receiver: WebhookReceiver) -> None:
    group = ticket()
    remote = await webhook.create(group)
    assert remote == RemoteTicket(**webhook_receiver.created[group.group_ref])
    resolved = event(EventKind.RESOLVED, group, "Quota raised.", state="RESOLVED")
    await webhook.apply(remote, resolved)
    opened, applied = [d for d in webhook_receiver.deliveries if d.method == "POST"]
    verifier = Webhook(WEBHOOK_SECRET)
    payload = verifier.verify(applied.body, applied.headers)
    assert payload["type"] == "ticket.resolved" and payload["id"] == resolved.event_id
    assert applied.headers["webhook-id"] == resolved.event_id
    assert payload["data"]["message"] == "Quota raised." and payload["data"]["state"] == "RESOLVED"
    assert payload["data"]["remote"] == {"id": remote.id, "ref": remote.ref}
    assert payload["timestamp"] == resolved.occurred_at.isoformat()
    first = verifier.verify(opened.body, opened.headers)
    assert first["type"] == "ticket.opened" and first["data"]["group_ref"] == group.group_ref
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldY").verify(applied.body, applied.headers)
    with pytest.raises(WebhookVerificationError):
        verifier.verify(applied.body.replace(b"Quota", b"Quote"), applied.headers)


async def test_full_life_arrives_in_order(webhook: DeskConnector, webhook_receiver: WebhookReceiver) -> None:
    group = ticket()
    remote = await webhook.create(group)
    life = full_life(group)
    for step in life:
        await webhook.apply(remote, step)
    verifier = Webhook(WEBHOOK_SECRET)
    payloads = [verifier.verify(d.body, d.headers) for d in webhook_receiver.deliveries if d.method == "POST"]
    assert [p["type"] for p in payloads] == ["ticket.opened"] + [e.kind.value for e in life]
    assert [p["data"]["state"] for p in payloads][-3:] == ["IN_PROGRESS", "RESOLVED", "CLOSED"]


async def test_retried_create_keeps_its_webhook_id(webhook: DeskConnector, webhook_receiver: WebhookReceiver) -> None:
    group = ticket()
    first = await webhook.create(group)
    assert await webhook.create(group) == first
    ids = {d.headers["webhook-id"] for d in webhook_receiver.deliveries if d.method == "POST"}
    assert ids == {f"opened-{group.group_ref}"}


async def test_find_uses_the_receiver_lookup(webhook: DeskConnector, webhook_receiver: WebhookReceiver) -> None:
    group = ticket()
    assert await webhook.find(group.group_ref) is None  # 404
    remote = await webhook.create(group)
    assert await webhook.find(group.group_ref) == remote
    webhook_receiver.lookup = False
    assert await webhook.find(group.group_ref) is None  # 405: the receiver has no lookup


async def test_receiver_without_json_answer_gets_the_group_ref(
    webhook: DeskConnector, webhook_receiver: WebhookReceiver
) -> None:
    webhook_receiver.echo_ids = False
    group = ticket()
    assert await webhook.create(group) == RemoteTicket(group.group_ref, group.group_ref)


@pytest.mark.parametrize(
    ("status", "retryable"), [(400, False), (401, False), (404, False), (408, True), (429, True),
                              (500, True), (503, True)]
)
async def test_status_classification(
    webhook: DeskConnector, webhook_receiver: WebhookReceiver, status: int, retryable: bool
) -> None:
    webhook_receiver.status = status
    with pytest.raises(DeskError) as caught:
        await webhook.apply(RemoteTicket("1", "1"), event(EventKind.COMMENTED, ticket(), "x"))
    assert caught.value.retryable is retryable
    assert f"answered HTTP {status}" in caught.value.message
    if status == 401:
        assert "check the shared secret" in caught.value.message


async def test_check_and_bad_secret(webhook: DeskConnector, webhook_receiver: WebhookReceiver) -> None:
    result = await webhook.check()
    assert result.ok and "accepted a signed test event" in result.detail
    broken = build_connector(webhook_config(webhook_receiver.url, secret=""))
    try:
        result = await broken.check()
        assert result.outcome is CheckOutcome.NOT_CONFIGURED and "whsec_" in result.detail
    finally:
        await broken.aclose()
    # A receiver that does not accept our signature answered, and refused us; one answering 503 is
    # as good as unreachable (deliveries wait and retry).
    webhook_receiver.status = 401
    result = await webhook.check()
    assert result.outcome is CheckOutcome.REFUSED and result.reached and "HTTP 401" in result.detail
    webhook_receiver.status = 503
    assert (await webhook.check()).outcome is CheckOutcome.UNREACHABLE


async def test_receiver_down_is_retryable() -> None:
    connector = build_connector(webhook_config(f"http://127.0.0.1:{free_port()}/hooks"))
    try:
        with pytest.raises(DeskError) as caught:
            await connector.create(ticket())
        assert caught.value.retryable and "connection refused" in caught.value.message
    finally:
        await connector.aclose()
