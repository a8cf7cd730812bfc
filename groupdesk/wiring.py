"""What the assembly plugs into the domains before anything runs: the followers of ticket history.

Every entry point calls `register_followers()` first: `create_app` (the GraphQL view, the desk hook,
the scheduler's auto-close, the embedded relay), the CLI's `main` (the demo tickets, the worker) and
the test suite. Registering twice changes nothing. A process that changed a ticket without it would
be refused by history (server.tickets.followers), never silently leave a school's desk untold.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from server.identity import departures
from server.live import publish as live
from server.mirror import changes as mirror_changes
from server.mirror import outbox
from server.mirror.follow import follow
from server.mirror.follow import prepare as prepare_mirror
from server.notify import listeners as notification_listeners
from server.notify.follow import follow as notify
from server.notify.listeners import NotificationCreated
from server.notify.people import prepare as prepare_notify
from server.sla.follow import follow as follow_service_levels
from server.sla.follow import prepare as prepare_service_levels
from server.mirror.models import OutboxEvent
from server.notify.models import MailOutbox, Notification
from server.tickets import followers, leavers, refs
from server.tickets.models import Ticket


def register_followers() -> None:
    """The followers every process needs, in the order they are told of an event."""
    # The ticket's SLA clock first, so that later followers read its columns up to date.
    # An opening starts the clock before the ref counter: written with the ticket, no UPDATE after.
    followers.register(follow_service_levels, prepare=prepare_service_levels)
    # The school's desk sees public changes: the mirror writes its outbox row in the change's
    # transaction.
    followers.register(follow, prepare=prepare_mirror, together=outbox.gathering)
    # Live updates: noted in the transaction, published to subscribers only once it commits.
    followers.register(live.follow)
    # A mirror's own changes (delivered, failing, paused, retried, linked) reach the ticket's page.
    mirror_changes.register(live.publish_mirror_change)
    # People concerned are told in the app and by mail: rows written in the change's transaction;
    # each new in-app notification also reaches its reader's notificationReceived subscriptions.
    followers.register(notify, prepare=prepare_notify)
    notification_listeners.register(publish_notifications)
    # Rows an opening writes under its provisional ref, rewritten when it takes its number.
    refs.carried_by(OutboxEvent.payload)
    refs.carried_by(Notification.data)
    refs.carried_by(MailOutbox.payload)
    # A person who leaves hands their open tickets back to routing.
    departures.register(leavers.release_tickets)


async def publish_notifications(session: AsyncSession, created: Sequence[NotificationCreated]) -> None:
    """Hand the notifications one event made to live updates (published at the real commit)."""
    for notification in created:
        # The ticket the change holds: found in the session, no statement.
        ticket = await session.get(Ticket, notification.ticket_id)
        live.publish_notification(session, user_id=notification.user_id,
                                  notification_id=notification.id, kind=notification.kind,
                                  ticket=ticket)
