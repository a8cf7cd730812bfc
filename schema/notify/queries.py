"""Root query fields of notifications: the caller's bell and preferences (their own only)."""

from __future__ import annotations

import strawberry

from schema import pagination
from schema.context import Info
from schema.notify.types import Notification, NotificationConnection, NotificationEdge, NotificationPreferences
from schema.pagination import PAGING
from server.notify import models, preferences, queries
from server.pagination import Page, PageArgs


@strawberry.type
class NotificationQuery:
    @strawberry.field(description="The caller's own notifications, newest first, optionally unread "
                                  "only, with `unreadCount` for a bell. " + PAGING)
    async def notifications(self, info: Info, first: int | None = None, after: str | None = None,
                            last: int | None = None, before: str | None = None,
                            unread_only: bool = False) -> NotificationConnection:
        ctx = info.context

        async def reader(page: PageArgs, max_page_size: int) -> Page[models.Notification]:
            return await queries.notifications_page(ctx.session, viewer=ctx.viewer,
                                                    unread_only=unread_only, page=page,
                                                    max_page_size=max_page_size)

        found = await pagination.read(info, reader, first=first, after=after, last=last,
                                      before=before)
        return pagination.connection(NotificationConnection, found, Notification.from_model,
                                     NotificationEdge)

    @strawberry.field(description="The caller's notification preferences: mails turned off, digest.")
    async def notification_preferences(self, info: Info) -> NotificationPreferences:
        found = await preferences.preferences_of(info.context.session, viewer=info.context.viewer)
        return NotificationPreferences.of(found)
