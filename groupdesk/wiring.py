"""What the assembly plugs into the domains before anything runs: the followers of ticket history.

Every entry point calls `register_followers()` first: `create_app` (the GraphQL view, the desk hook,
the scheduler's auto-close, the embedded relay), the CLI's `main` (the demo tickets, the worker) and
the test suite. Registering twice changes nothing. A process that changed a ticket without it would
be refused by history (server.tickets.followers), never silently leave a school's desk untold.
"""

from __future__ import annotations

from server.mirror.follow import follow
from server.notify.follow import follow as notify
from server.sla.follow import follow as follow_service_levels
from server.identity import departures
from server.tickets import followers, leavers


def register_followers() -> None:
    """The followers every process needs, in the order they are told of an event."""
    # The ticket's SLA clock first, so that later followers read its columns up to date.
    followers.register(follow_service_levels)
    # The school's desk sees public changes: the mirror writes its outbox row in the change's
    # transaction. Live updates will follow here, one line.
    followers.register(follow)
    # People concerned are told in the app and by mail: rows written in the change's transaction.
    followers.register(notify)
    # A person who leaves hands their open tickets back to routing.
    departures.register(leavers.release_tickets)
