"""The live subscriptions: each translates a server stream (server/live/streams.py) into types.

Filtering by the access policy is the streams' (re-checked for every event); a resolver checks its
arguments, starts the process's hub if the app has not yet, and turns a subscriber that fell behind
into one error with `extensions.code = RESYNC_NEEDED` that ends the subscription.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator
from typing import TypeVar

import strawberry
from graphql import GraphQLError
from strawberry import relay

from schema.context import Info
from schema.errors import BadInput, Unauthenticated
from schema.ids import require_id
from schema.live.types import NotificationSignal, TicketListChange
from schema.tickets.lists import TicketFilter, _filter
from schema.mirror.types import TicketMirror
from schema.tickets.types import TicketEvent
from server.errors import GroupdeskError, NotFound, ValidationFailed
from tenants.i18n.messages import Message
from server.identity.queries import may_call_api
from server.live import streams
from server.live.hub import FellBehind, LiveHub
from server.mirror.service import mirror_now

T = TypeVar("T")

RESYNC = Message("you fell behind the live updates (or some may have been lost): refetch what you "
                 "show, then subscribe again")


def resync_needed() -> GraphQLError:
    return GraphQLError(RESYNC, extensions={"code": "RESYNC_NEEDED"})


async def _listening(info: Info) -> tuple[LiveHub, streams.ViewerSource]:
    ctx = info.context
    viewer = ctx.viewer
    if not may_call_api(viewer):
        raise Unauthenticated()
    if ctx.live is None:
        raise GraphQLError(Message("live updates are not served by this process"),
                           extensions={"code": "UNAVAILABLE"})
    await ctx.live.start()
    return ctx.live, streams.ViewerSource(viewer, ctx.sessions, recheck_seconds=ctx.settings.ws_recheck_seconds)


async def _translated(stream: AsyncIterator[T]) -> AsyncIterator[T]:
    try:
        async for item in stream:
            yield item
    except FellBehind:
        raise resync_needed() from None


@strawberry.type
class LiveSubscription:
    @strawberry.subscription(description="Every history event of one ticket the caller may read, as it "
                                         "commits (state, assignment, comments, SLA...). Internal events "
                                         "only to those who read them; nothing while the ticket is not "
                                         "visible to the caller.")
    async def ticket_events(self, info: Info, ticket_id: relay.GlobalID) -> AsyncGenerator[TicketEvent, None]:
        hub, viewer = await _listening(info)
        try:
            wanted = require_id(ticket_id, "Ticket", "ticket", field="ticketId")
            stream = streams.ticket_events(hub, viewer, wanted)
            async for row in _translated(stream):
                yield TicketEvent.from_model(row)
        except NotFound:
            raise BadInput(NotFound("ticket", str(ticket_id), field="ticketId")) from None

    @strawberry.subscription(description="The ticket's mirror on its school's desk, as the caller may "
                                         "see it, each time a commit changes it: created on the desk "
                                         "with the local ticket's ref, delivered (SYNCED), failing, "
                                         "paused, retried, diverged. Changes that come with a history "
                                         "event are told here too. Nothing while the ticket is not "
                                         "visible to the caller; another school's ticket is refused "
                                         "as for ticketEvents.")
    async def ticket_mirror_changed(self, info: Info,
                                    ticket_id: relay.GlobalID) -> AsyncGenerator[TicketMirror, None]:
        hub, viewer = await _listening(info)
        try:
            wanted = require_id(ticket_id, "Ticket", "ticket", field="ticketId")
            async for _ in _translated(streams.mirror_changes(hub, viewer, wanted)):
                found = await mirror_now(info.context.sessions, wanted)
                if found is not None:
                    yield TicketMirror.from_model(found)
        except NotFound:
            raise BadInput(NotFound("ticket", str(ticket_id), field="ticketId")) from None

    @strawberry.subscription(description="A ticket entered (ENTERED) or left (LEFT) the caller's queue "
                                         "(myQueue): assigned to them, taken, resolved, queued on what they "
                                         "cover, taken by someone else...")
    async def my_queue_events(self, info: Info) -> AsyncGenerator[TicketListChange, None]:
        hub, viewer = await _listening(info)
        async for move in _translated(streams.queue_moves(hub, viewer)):
            yield TicketListChange.from_move(move)

    @strawberry.subscription(description="The caller's ticket list, as `tickets(filter)` reads it, changed: "
                                         "a ticket ENTERED it, was UPDATED in it or LEFT it (filtered out, "
                                         "or no longer visible). Every filter field but `text`.")
    async def tickets_changed(self, info: Info,
                              filter: TicketFilter | None = None) -> AsyncGenerator[TicketListChange, None]:
        hub, viewer = await _listening(info)
        try:
            wanted = _filter(filter, info.context.settings.max_filter_values)
            if wanted.text is not None:
                raise ValidationFailed({"filter.text": Message(
                    "not available on ticketsChanged: a search needs the index; filter the refetched rows")})
            wanted.check()
        except GroupdeskError as exc:
            raise BadInput(exc) from None
        async for move in _translated(streams.list_moves(hub, viewer, wanted)):
            yield TicketListChange.from_move(move)

    @strawberry.subscription(description="The caller's in-app notifications as they are posted, on their "
                                         "own channel.")
    async def notification_received(self, info: Info) -> AsyncGenerator[NotificationSignal, None]:
        hub, viewer = await _listening(info)
        async for message in _translated(streams.notifications(hub, viewer)):
            yield NotificationSignal.from_message(message)


