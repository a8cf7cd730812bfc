"""Thin dramatiq actors: a message names a ticket (or a mail), the outbox says what to deliver.

Import this module only after server.jobs.broker.install() (see server/jobs/__init__.py).
"""

from __future__ import annotations

import dramatiq

from server.config import Settings
from server.jobs import context
from server.mirror.retry import RetryPolicy
from server.notify.delivery import mail_policy

SETTINGS = Settings()
QUEUE = SETTINGS.queue_name("mirror")
MAIL_QUEUE = SETTINGS.queue_name("mail")
POLICY = RetryPolicy.from_settings(SETTINGS)
MAIL_POLICY = mail_policy(SETTINGS)


@dramatiq.actor(queue_name=QUEUE, **POLICY.actor_options())
async def deliver_ticket(ticket_id: int) -> None:
    """Deliver what is due for one ticket; a retryable failure comes back after its backoff."""
    outcome = await context.current().mirror.delivery.deliver(ticket_id)
    if outcome.more:
        deliver_ticket.send(ticket_id)  # more came in than one run takes: go on at once
    if outcome.retry_in_ms is not None:
        # Retries re-enqueues a delayed copy; the outbox row, not the message, holds the count.
        raise dramatiq.Retry(outcome.error or "desk failure", delay=outcome.retry_in_ms)


@dramatiq.actor(queue_name=MAIL_QUEUE, **MAIL_POLICY.actor_options())
async def deliver_mail(mail_id: int) -> None:
    """Send one notification mail if it is still due; a failure comes back after its backoff."""
    outcome = await context.current().mail.deliver(mail_id)
    if outcome.retry_in_ms is not None:
        raise dramatiq.Retry(outcome.error or "mail relay failure", delay=outcome.retry_in_ms)
