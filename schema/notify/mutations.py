"""Mutations of notifications: marking the caller's read, setting the caller's preferences."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay

from schema.context import Info
from schema.errors import NotFound, ValidationFailed, attempt
from schema.ids import require_id
from schema.notify.types import DigestPeriod, NotificationKind, NotificationPreferences, NotificationsMarked
from server.notify import preferences, queries

MarkNotificationsReadPayload = Annotated[NotificationsMarked | NotFound | ValidationFailed,
                                         strawberry.union("MarkNotificationsReadPayload")]
SetNotificationPreferencesPayload = Annotated[NotificationPreferences | ValidationFailed,
                                              strawberry.union("SetNotificationPreferencesPayload")]


@strawberry.input(description="Which of the caller's notifications to mark read: `ids`, or `all`.")
class MarkNotificationsReadInput:
    ids: list[relay.GlobalID] | None = None
    all: bool = False


@strawberry.input(description="The caller's preferences; a field left out keeps its value.")
class SetNotificationPreferencesInput:
    muted_kinds: list[NotificationKind] | None = strawberry.field(
        default=None, description="The kinds of mail to turn off (an empty list turns them all on).")
    digest: DigestPeriod | None = None


@strawberry.type
class NotificationMutation:
    @strawberry.mutation(description="Mark the caller's notifications read: the ones named, or all. "
                                     "An id that is not the caller's is NotFound and nothing changes.")
    async def mark_notifications_read(self, info: Info,
                                      input: MarkNotificationsReadInput) -> MarkNotificationsReadPayload:
        ctx = info.context

        async def act() -> NotificationsMarked:
            ids = None if input.ids is None else [
                require_id(i, "Notification", "notification", field="ids") for i in input.ids]
            marked = await queries.mark_read(ctx.session, actor=ctx.viewer, ids=ids,
                                             everything=input.all)
            return NotificationsMarked(marked=marked)
        return await attempt(ctx.session, act, fields={"notification": "ids"})

    @strawberry.mutation(description="Turn kinds of mail off or on, and choose a digest, for the caller.")
    async def set_notification_preferences(
            self, info: Info, input: SetNotificationPreferencesInput) -> SetNotificationPreferencesPayload:
        ctx = info.context

        async def act() -> NotificationPreferences:
            return NotificationPreferences.of(await preferences.set_preferences(
                ctx.session, actor=ctx.viewer, muted_kinds=input.muted_kinds, digest=input.digest))
        return await attempt(ctx.session, act)
