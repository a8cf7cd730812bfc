"""Ticket types: the ticket, its comments and history, and the keyset connection."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from schema.context import Info
from schema.nodes import resolve_nodes
from schema import pagination
from schema.pagination import PAGING, CountedConnection
from schema.tickets import relations
from schema.tickets.relations import RelationConnection
from schema.catalog.types import Brick, Priority, Service, SubService
from schema.identity.api_token_types import ApiToken
from schema.identity.types import Tenant, User
from schema.sla.types import TicketSla
from schema.tickets.approval_types import ApprovalRequest
from schema.tickets.enums import (
    CommentSource,
    TicketAction,
    TicketEventKind,
    TicketState,
    Visibility,
)
from server.identity import queries as identity_queries
from server.tickets import approval, models, queries, workflow
from server.tickets.access import parties_on
from server.tickets.relations import COMMENTS, HISTORY
from server.sla.status import ticket_sla

if TYPE_CHECKING:
    from schema.mirror.types import TicketMirror


async def _tickets_by_ids(session: Any, *, viewer: Any, ids: list[int]) -> dict[int, models.Ticket]:
    return await queries.tickets_by_ids(session, viewer=viewer, ticket_ids=ids)


async def _user(info: Info, user_id: int | None) -> User | None:
    if user_id is None:
        return None
    return User.from_model(await info.context.loaders.user.load(user_id))


async def _api_token(info: Info, token_id: int | None) -> ApiToken | None:
    """The token a comment or event came through, for those who manage tokens (null for others)."""
    if token_id is None:
        return None
    found = await identity_queries.api_tokens_by_ids(info.context.session, viewer=info.context.viewer,
                                                     ids=[token_id])
    return ApiToken.from_model(found[token_id]) if token_id in found else None


VIA_API_TOKEN = "Whether it came through an API token (a desk's technical account) rather than a login."
API_TOKEN = "Group administrators: the API token it came through; null otherwise."


@strawberry.type(description="A comment on a ticket.")
class TicketComment(relay.Node):
    id: relay.NodeID[int]
    author_id: strawberry.Private[int | None]
    body: str
    visibility: Visibility
    source: CommentSource
    created_at: dt.datetime
    api_token_id: strawberry.Private[int | None]
    via_api_token: bool = strawberry.field(description=VIA_API_TOKEN)

    @classmethod
    def from_model(cls, m: models.TicketComment) -> TicketComment:
        return cls(id=m.id, author_id=m.author_id, body=m.body, visibility=m.visibility,
                   source=m.source, created_at=m.created_at, api_token_id=m.api_token_id,
                   via_api_token=m.api_token_id is not None)

    @strawberry.field(description=API_TOKEN)
    async def api_token(self, info: Info) -> ApiToken | None:
        return await _api_token(info, self.api_token_id)

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False):
        return await resolve_nodes(cls, info, node_ids, queries.comments_by_ids)

    @strawberry.field
    async def author(self, info: Info) -> User | None:
        return await _user(info, self.author_id)


@strawberry.type(description="One change in a ticket's history.")
class TicketEvent(relay.Node):
    id: relay.NodeID[int]
    kind: TicketEventKind
    actor_id: strawberry.Private[int | None]
    visibility: Visibility
    data: JSON = strawberry.field(description="What changed: from/to states, reason, assignee...")
    created_at: dt.datetime
    api_token_id: strawberry.Private[int | None]
    via_api_token: bool = strawberry.field(description=VIA_API_TOKEN)

    @classmethod
    def from_model(cls, m: models.TicketEvent) -> TicketEvent:
        return cls(id=m.id, kind=m.kind, actor_id=m.actor_id, visibility=m.visibility,
                   data=m.data, created_at=m.created_at, api_token_id=m.api_token_id,
                   via_api_token=m.api_token_id is not None)

    @strawberry.field(description=API_TOKEN)
    async def api_token(self, info: Info) -> ApiToken | None:
        return await _api_token(info, self.api_token_id)

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False):
        return await resolve_nodes(cls, info, node_ids, queries.events_by_ids)

    @strawberry.field(description="Who made the change; null for the system (routing, auto-close).")
    async def actor(self, info: Info) -> User | None:
        return await _user(info, self.actor_id)


@strawberry.type(name="TicketCommentConnection", description="A page of a ticket's comments, "
                                                                 "oldest first.")
class TicketCommentConnection(RelationConnection[TicketComment]):
    pass


@strawberry.type(name="TicketEventConnection", description="A page of a ticket's history, "
                                                           "oldest first.")
class TicketEventConnection(RelationConnection[TicketEvent]):
    pass


@strawberry.type(description="A group ticket, opened by a school on a sub-service.")
class Ticket(relay.Node):
    id: relay.NodeID[int]
    ref: str = strawberry.field(description="Human reference, GRP-<year>-<6 digits>.")
    tenant_id: strawberry.Private[int]
    opened_by_id: strawberry.Private[int]
    sub_service_id: strawberry.Private[int]
    service_id: strawberry.Private[int]
    brick_id: strawberry.Private[int]
    assignee_id: strawberry.Private[int | None]
    # The stored row, for what is computed from several of its columns (the SLA clock).
    row: strawberry.Private[models.Ticket]
    title: str
    description: str
    priority: Priority
    state: TicketState
    request_data: JSON = strawberry.field(description="The sub-service's form, filled in.")
    local_ref: str | None = strawberry.field(
        description="The ticket's number in the school's desk.")
    requester_name: str | None
    requester_email: str | None
    escalation_level: int = strawberry.field(description="0 when not escalated.")
    solution: str | None
    version: int = strawberry.field(
        description="Send it back with every change: a stale one is a Conflict.")
    assigned_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None
    # What approving it takes (server.tickets.approval); the policy reads its approvers.
    approval: strawberry.Private[dict[str, Any] | None] = None

    @classmethod
    def from_model(cls, m: models.Ticket) -> Ticket:
        return cls(
            id=m.id, ref=m.ref, tenant_id=m.tenant_id, opened_by_id=m.opened_by_id,
            sub_service_id=m.sub_service_id, service_id=m.service_id, brick_id=m.brick_id,
            assignee_id=m.assignee_id, row=m, title=m.title, description=m.description,
            priority=m.priority, state=m.state, request_data=m.request_data,
            local_ref=m.local_ref, requester_name=m.requester_name,
            requester_email=m.requester_email, escalation_level=m.escalation_level,
            solution=m.solution, version=m.version, assigned_at=m.assigned_at,
            created_at=m.created_at, updated_at=m.updated_at, resolved_at=m.resolved_at,
            closed_at=m.closed_at, approval=m.approval)

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False):
        return await resolve_nodes(cls, info, node_ids, _tickets_by_ids)

    @strawberry.field(description="The school the ticket is for.")
    async def school(self, info: Info) -> Tenant:
        return Tenant.from_model(await info.context.loaders.tenant.load(self.tenant_id))

    @strawberry.field
    async def opened_by(self, info: Info) -> User:
        return User.from_model(await info.context.loaders.user.load(self.opened_by_id))

    @strawberry.field
    async def assignee(self, info: Info) -> User | None:
        return await _user(info, self.assignee_id)

    @strawberry.field
    async def sub_service(self, info: Info) -> SubService:
        row = await info.context.loaders.ticket_sub_service.load(self.sub_service_id)
        return SubService.from_model(row)

    @strawberry.field
    async def service(self, info: Info) -> Service:
        return Service.from_model(await info.context.loaders.ticket_service.load(self.service_id))

    @strawberry.field
    async def brick(self, info: Info) -> Brick:
        return Brick.from_model(await info.context.loaders.ticket_brick.load(self.brick_id))

    @strawberry.field(description="Comments the viewer may read (internal ones for group staff), "
                                  "oldest first, by keyset pages. " + PAGING)
    async def comments(self, info: Info, first: int | None = None, after: str | None = None,
                       last: int | None = None,
                       before: str | None = None) -> TicketCommentConnection:
        page = await relations.read(info, COMMENTS, self.id, first=first, after=after, last=last,
                                    before=before)
        return pagination.connection(TicketCommentConnection, page, TicketComment.from_model)

    @strawberry.field(description="The most recent comments the viewer may read, newest first "
                                  "(at most 20).")
    async def last_comments(self, info: Info, count: int = 3) -> list[TicketComment]:
        rows = await info.context.loaders.last_comments_of_ticket(count).load(self.id)
        return [TicketComment.from_model(r) for r in rows]

    @strawberry.field(description="Every change the viewer may read (internal ones for group "
                                  "staff), oldest first, by keyset pages. " + PAGING)
    async def history(self, info: Info, first: int | None = None, after: str | None = None,
                      last: int | None = None, before: str | None = None) -> TicketEventConnection:
        page = await relations.read(info, HISTORY, self.id, first=first, after=after, last=last,
                                    before=before)
        return pagination.connection(TicketEventConnection, page, TicketEvent.from_model)

    @strawberry.field(description="The ticket's twin on the school's desk and its sync state; null "
                                  "when the school has no desk.")
    async def mirror(self, info: Info) -> Annotated[
            TicketMirror, strawberry.lazy("schema.mirror.types")] | None:
        from schema.mirror.types import TicketMirror

        row = await info.context.loaders.mirror_of_ticket.load(self.id)
        return TicketMirror.from_model(row) if row is not None else None

    @strawberry.field(description="The service level clock: due times, business time elapsed, "
                                  "OK, WARNING (75%) or BREACHED.")
    async def sla(self, info: Info) -> TicketSla:
        calendar = await info.context.loaders.calendar_of_tenant.load(self.tenant_id)
        return TicketSla.from_status(ticket_sla(self.row, calendar, info.context.clock()))
    @strawberry.field(description="What approving it takes (who approves, the cost, how many "
                                  "approvals) and the decisions so far; null when it needs none.")
    async def approval_request(self, info: Info) -> ApprovalRequest | None:
        if self.approval is None:
            return None
        rows = await approval.decisions_on(info.context.session, self.id)
        return ApprovalRequest.of(self.approval, rows)

    @strawberry.field(description="The workflow actions the viewer may take now.")
    def allowed_actions(self, info: Info) -> list[TicketAction]:
        return workflow.allowed_actions(self.state, parties_on(info.context.viewer, self))


@strawberry.type(name="TicketConnection", description="A page of tickets.")
class TicketConnection(CountedConnection[Ticket]):
    pass
