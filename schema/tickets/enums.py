"""Ticket enums, apart from the types so that schema.errors can use them without a cycle."""

from __future__ import annotations

import strawberry

from server.tickets import models, workflow

TicketState = strawberry.enum(workflow.TicketState, description="Where a ticket stands.")
TicketAction = strawberry.enum(workflow.Action, name="TicketAction",
                               description="What can be done to a ticket.")
Visibility = strawberry.enum(
    models.Visibility,
    description="PUBLIC: the school sees it; INTERNAL: the group's experts and admins only.")
CommentSource = strawberry.enum(models.CommentSource,
                                description="Written in groupdesk or in the school's local desk.")
TicketEventKind = strawberry.enum(models.EventKind, name="TicketEventKind",
                                  description="What a history event records.")
