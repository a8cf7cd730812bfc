"""The mirror of a ticket on its school's desk, and a school's desk settings (no secrets)."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from schema.context import Info
from schema.identity.types import Tenant
from schema.pagination import CountedConnection
from schema.tickets.types import Ticket
from server.mirror import models
from tenants.desks.base import DeskKind as DeskKindValue
from tenants.i18n.messages import render, restored

MirrorStatus = strawberry.enum(models.MirrorStatus, description=(
    "PENDING: changes wait for delivery; SYNCED: the local ticket is up to date; FAILED: the last "
    "delivery failed and will be retried; PAUSED: delivery stopped until an admin retries it; "
    "DIVERGED: the local ticket is not in the state the group ticket implies (see divergence)."))
DeskKind = strawberry.enum(DeskKindValue, name="DeskKind", description="The kind of a school's local desk.")


@strawberry.type(description="A group ticket's twin on its school's desk, and how the sync goes.")
class TicketMirror:
    ticket_id: strawberry.Private[int]
    tenant_id: strawberry.Private[int]
    desk: DeskKind
    remote_ref: str | None = strawberry.field(description="The local ticket's ref, once created.")
    status: MirrorStatus
    last_error: str | None = strawberry.field(description="Why the last delivery failed, in words "
                                                          "an admin can act on.")
    attempts: int = strawberry.field(description="Failed attempts since the last success.")
    last_synced_at: dt.datetime | None
    next_attempt_at: dt.datetime | None
    divergence: str | None = strawberry.field(description="How the local ticket differs from the "
                                                          "group ticket (DIVERGED), in words.")
    local_state: str | None = strawberry.field(description="Where the local ticket stood at the last "
                                                           "poll: NEW, WORKING, PENDING, RESOLVED, CLOSED.")
    local_closed: bool = strawberry.field(description="The school closed its local ticket while the "
                                                      "group ticket was still open.")

    @classmethod
    def from_model(cls, m: models.Mirror) -> TicketMirror:
        return cls(ticket_id=m.ticket_id, tenant_id=m.tenant_id, desk=m.desk_kind,
                   remote_ref=m.remote_ref, status=m.status, last_error=m.last_error,
                   attempts=m.attempts, last_synced_at=m.last_synced_at,
                   next_attempt_at=m.next_attempt_at, divergence=render(restored(m.divergence)),
                   local_state=m.local_state, local_closed=bool(m.local_closed))

    @strawberry.field(description="The group ticket (null if the viewer may not see it).")
    async def ticket(self, info: Info) -> Ticket | None:
        row = await info.context.loaders.visible_ticket.load(self.ticket_id)
        return Ticket.from_model(row) if row is not None else None

    @strawberry.field(description="The school whose desk holds the local ticket.")
    async def school(self, info: Info) -> Tenant:
        return Tenant.from_model(await info.context.loaders.tenant.load(self.tenant_id))


@strawberry.type(name="MirrorEdge", description="One mirror in a list.")
class MirrorEdge(relay.Edge[TicketMirror]):
    pass


@strawberry.type(name="MirrorConnection", description="A page of mirrors, oldest first.")
class MirrorConnection(CountedConnection[TicketMirror]):
    edges: list[MirrorEdge] = strawberry.field(description="Contains the nodes in this connection")


@strawberry.type(description="A school's desk: where it is and how tickets map; secrets are only "
                             "named, never shown.")
class DeskSettings:
    tenant_id: strawberry.Private[int]
    kind: DeskKind
    url: str
    credential_names: list[str] = strawberry.field(
        description="The credentials configured (read from environment variables or secrets files).")
    mappings: JSON
    timeout: float

    @classmethod
    def from_model(cls, m: models.DeskSetting) -> DeskSettings:
        return cls(tenant_id=m.tenant_id, kind=m.kind, url=m.url,
                   credential_names=sorted(m.credential_refs or {}), mappings=m.mappings or {},
                   timeout=m.timeout)

    @strawberry.field
    async def school(self, info: Info) -> Tenant:
        return Tenant.from_model(await info.context.loaders.tenant.load(self.tenant_id))
