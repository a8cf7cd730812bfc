"""A notification in the caller's bell, the bell's connection, and the caller's preferences."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import strawberry
from strawberry import relay

from schema.context import Info
from schema.nodes import resolve_nodes
from schema.pagination import CountedConnection
from schema.tickets.types import Ticket
from server.notify import models, queries
from server.notify.preferences import Preferences
from server.notify.recipients import NotificationKind as KindValue

NotificationKind = strawberry.enum(KindValue, name="NotificationKind", description=(
    "What a notification says happened (the README's Notifications section says who gets which)."))
DigestPeriod = strawberry.enum(models.DigestPeriod, name="DigestPeriod", description=(
    "NONE: one mail per notification; HOURLY, DAILY: one mail per period gathering them."))


@strawberry.type(description="Something the caller was told about a ticket (the same events as the mails).")
class Notification(relay.Node):
    id: relay.NodeID[int]
    ticket_id: strawberry.Private[int]
    kind: NotificationKind
    ref: str = strawberry.field(description="The ticket's ref, e.g. GRP-2026-000123.")
    title: str = strawberry.field(description="The ticket's title when it happened.")
    actor: str | None = strawberry.field(description="Who did it (null: the system).")
    message: str | None = strawberry.field(description="The question, comment, reason or solution, "
                                                       "shortened.")
    created_at: dt.datetime
    read_at: dt.datetime | None

    @classmethod
    def from_model(cls, m: models.Notification) -> Notification:
        data = m.data or {}
        return cls(id=m.id, ticket_id=m.ticket_id, kind=KindValue(m.kind), ref=str(data.get("ref", "")),
                   title=str(data.get("title", "")), actor=data.get("actor"),
                   message=data.get("message"), created_at=m.created_at, read_at=m.read_at)

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False):
        return await resolve_nodes(cls, info, node_ids, queries.notifications_by_ids)

    @strawberry.field(description="True once marked read.")
    def read(self) -> bool:
        return self.read_at is not None

    @strawberry.field(description="The ticket (null if the caller may no longer see it).")
    async def ticket(self, info: Info) -> Ticket | None:
        row = await info.context.loaders.visible_ticket.load(self.ticket_id)
        return Ticket.from_model(row) if row is not None else None


@strawberry.type(name="NotificationEdge", description="One notification in the bell.")
class NotificationEdge(relay.Edge[Notification]):
    pass


@strawberry.type(name="NotificationConnection", description="A page of the caller's notifications, "
                                                            "newest first.")
class NotificationConnection(CountedConnection[Notification]):
    edges: list[NotificationEdge] = strawberry.field(description="Contains the nodes in this connection")

    @strawberry.field(description="How many of the caller's notifications are unread (all pages).")
    async def unread_count(self, info: Info) -> int:
        return await queries.unread_count(info.context.session, viewer=info.context.viewer)


@strawberry.type(description="The caller's notification preferences.")
class NotificationPreferences:
    muted_kinds: list[NotificationKind] = strawberry.field(
        description="Kinds of mail turned off (the bell still shows them).")
    digest: DigestPeriod

    @classmethod
    def of(cls, p: Preferences) -> NotificationPreferences:
        return cls(muted_kinds=list(p.muted_kinds), digest=p.digest)


@strawberry.type(description="Notifications marked read.")
class NotificationsMarked:
    marked: int = strawberry.field(description="How many were unread and are now read.")

    @strawberry.field(description="The caller's unread count afterwards.")
    async def unread_count(self, info: Info) -> int:
        return await queries.unread_count(info.context.session, viewer=info.context.viewer)
