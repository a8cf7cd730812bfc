"""What the assembly plugs into the domains before anything runs: the followers of ticket history.

Every entry point calls `register_followers()` first: `create_app` (the GraphQL view, the desk hook,
the scheduler's auto-close, the embedded relay), the CLI's `main` (the demo tickets, the worker) and
the test suite. Registering twice changes nothing. A process that changed a ticket without it would
be refused by history (server.tickets.followers), never silently leave a school's desk untold.
"""

from __future__ import annotations

from server.live import publish as live
from server.mirror.follow import follow
from server.tickets import followers


def register_followers() -> None:
    """The followers every process needs, in the order they are told of an event."""
    # The school's desk sees public changes: the mirror writes its outbox row in the change's
    # transaction. Notifications will follow here, in one line.
    followers.register(follow)
    # Live updates: noted in the transaction, published to subscribers only once it commits.
    followers.register(live.follow)
