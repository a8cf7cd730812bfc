"""`auditEvents`: every administrative change, newest first; group admins all, a school's managers theirs."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from schema import pagination
from schema.context import Info
from schema.identity.types import Tenant, User
from schema.ids import node_id
from schema.pagination import PAGING, CountedConnection
from server.audit import models
from server.audit.queries import AuditFilter as AuditFilterValue
from server.audit.queries import audit_page
from server.errors import NotFound as DomainNotFound
from server.pagination import Page, PageArgs


@strawberry.type(description="One administrative change: who, when, which tenant, what, through which "
                             "credential.")
class AuditEvent:
    id: strawberry.ID
    created_at: dt.datetime
    action: str = strawberry.field(description="`user.moved`, `catalog.brick.updated`, "
                                               "`scim.user.updated`, `scim.error`...")
    tenant_id: strawberry.Private[int | None]
    actor_id: strawberry.Private[int | None]
    actor_name: str = strawberry.field(description="The user, the SCIM provider or the operator.")
    credential: str = strawberry.field(description="SSO, API_TOKEN, SCIM_TOKEN or OPERATOR.")
    api_token_id: strawberry.ID | None = strawberry.field(description="The token's global id, when one.")
    target_kind: str
    target_id: str | None
    changes: JSON = strawberry.field(description="Field by field {from, to}, or what was created or "
                                                 "refused.")
    request_id: str | None = strawberry.field(description="The request, as the access log names it.")

    @classmethod
    def from_model(cls, m: models.AuditEvent) -> AuditEvent:
        token = relay.to_base64("ApiToken", m.api_token_id) if m.api_token_id is not None else None
        return cls(id=strawberry.ID(str(m.id)), created_at=m.created_at, action=m.action,
                   tenant_id=m.tenant_id, actor_id=m.actor_id, actor_name=m.actor_name,
                   credential=m.credential, api_token_id=strawberry.ID(token) if token else None,
                   target_kind=m.target_kind, target_id=m.target_id, changes=m.changes,
                   request_id=m.request_id)

    @strawberry.field
    async def tenant(self, info: Info) -> Tenant | None:
        if self.tenant_id is None:
            return None
        return Tenant.from_model(await info.context.loaders.tenant.load(self.tenant_id))

    @strawberry.field
    async def actor(self, info: Info) -> User | None:
        if self.actor_id is None:
            return None
        return User.from_model(await info.context.loaders.user.load(self.actor_id))


@strawberry.type(name="AuditEventConnection", description="A page of the audit trail, newest first.")
class AuditEventConnection(CountedConnection[AuditEvent]):
    pass


@strawberry.input(description="Every field given narrows the trail.")
class AuditFilter:
    tenant_id: relay.GlobalID | None = None
    action: str | None = strawberry.field(default=None, description="An action or its prefix "
                                                                    "(`scim.`, `user.`).")
    actor_id: relay.GlobalID | None = None
    target_kind: str | None = None
    since: dt.datetime | None = None


@strawberry.type
class AuditQuery:
    @strawberry.field(description="The audit trail: group admins all of it, a school's managers their "
                                  "school's; empty for everyone else. " + PAGING)
    async def audit_events(self, info: Info, filter: AuditFilter | None = None, first: int | None = None,
                           after: str | None = None, last: int | None = None,
                           before: str | None = None) -> AuditEventConnection:
        ctx = info.context
        wanted = filter or AuditFilter()
        try:
            found = AuditFilterValue(
                tenant_id=node_id(wanted.tenant_id, "Tenant", "tenant", field="filter.tenantId"),
                action=wanted.action, target_kind=wanted.target_kind, since=wanted.since,
                actor_id=node_id(wanted.actor_id, "User", "user", field="filter.actorId"))
        except DomainNotFound:
            found = AuditFilterValue(tenant_id=-1)

        async def reader(page: PageArgs, max_page_size: int) -> Page[models.AuditEvent]:
            return await audit_page(ctx.session, viewer=ctx.viewer, found=found, page=page,
                                    max_page_size=max_page_size)

        rows = await pagination.read(info, reader, first=first, after=after, last=last, before=before)
        return pagination.connection(AuditEventConnection, rows, AuditEvent.from_model)
