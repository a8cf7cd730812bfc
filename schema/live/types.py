"""What the live subscriptions yield: a ticket's move in a list or queue, a notification signal."""

from __future__ import annotations

import datetime as dt
from enum import Enum

import strawberry
from strawberry import relay

from schema.context import Info
from schema.tickets.enums import TicketEventKind, TicketState
from schema.tickets.types import Ticket
from server.live.messages import NotificationPosted
from server.live.streams import TicketMove


@strawberry.enum(description="How a change moved a ticket with respect to a list or a queue.")
class TicketMoveKind(Enum):
    ENTERED = "ENTERED"
    UPDATED = "UPDATED"
    LEFT = "LEFT"


@strawberry.type(description="A ticket of the caller's list or queue changed: refetch that one row "
                             "(by `ticketId`) when `version` is newer than the one shown. LEFT: drop "
                             "it from the list; it may no longer be visible at all.")
class TicketListChange:
    ticket_id: relay.GlobalID
    version: int
    change: TicketMoveKind
    state: TicketState | None = strawberry.field(
        description="The ticket's state after the change; null when it is no longer visible to the caller.")
    event_kind: TicketEventKind | None = strawberry.field(
        description="The last history event of the change; null when the ticket is no longer visible.")

    @classmethod
    def from_move(cls, move: TicketMove) -> TicketListChange:
        return cls(ticket_id=relay.GlobalID("Ticket", str(move.ticket_id)), version=move.version,
                   change=TicketMoveKind(move.change.value),
                   state=TicketState(move.state) if move.state else None,
                   event_kind=TicketEventKind(move.event_kind) if move.event_kind else None)

    @strawberry.field(description="The ticket as the caller sees it now; null once it is not visible.")
    async def ticket(self, info: Info) -> Ticket | None:
        found = await info.context.loaders.visible_ticket.load(int(self.ticket_id.node_id))
        return Ticket.from_model(found) if found is not None else None


@strawberry.type(description="A notification was posted for the caller: fetch it, or bump the bell.")
class NotificationSignal:
    notification_id: relay.GlobalID
    kind: str = strawberry.field(description="What the notification is about (the notifications' kind).")
    ticket_id: relay.GlobalID | None
    at: dt.datetime

    @classmethod
    def from_message(cls, m: NotificationPosted) -> NotificationSignal:
        return cls(notification_id=relay.GlobalID("Notification", str(m.notification_id)), kind=m.kind,
                   ticket_id=relay.GlobalID("Ticket", str(m.ticket_id)) if m.ticket_id else None,
                   at=dt.datetime.fromtimestamp(m.at, dt.UTC))
