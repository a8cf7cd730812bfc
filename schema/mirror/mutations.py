"""Mirror administration: a school's desk settings, retrying a paused mirror."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from schema.context import Info
from schema.errors import NotFound, PermissionDenied, ValidationFailed, attempt
from schema.ids import require_id
from schema.identity.types import Tenant
from schema.mirror.types import DeskKind, DeskSettings, TicketMirror
from server.mirror import desks, service


@strawberry.input(description="A school's desk. Credentials are references only: "
                              "{\"token_env\": \"VARIABLE\"} or {\"password_file\": \"/run/secrets/x\"}.")
class DeskInput:
    kind: DeskKind
    url: str
    credentials: JSON | None = None
    mappings: JSON | None = None
    timeout: float | None = None


@strawberry.input
class ConfigureDeskInput:
    tenant_id: relay.GlobalID
    desk: DeskInput | None = strawberry.field(default=None, description="Null removes the desk.")


@strawberry.type(description="The school's desk as now configured (null: no desk).")
class DeskConfigured:
    school: Tenant
    desk: DeskSettings | None


ConfigureDeskPayload = Annotated[DeskConfigured | ValidationFailed | NotFound | PermissionDenied,
                                 strawberry.union("ConfigureDeskPayload")]
RetryMirrorPayload = Annotated[TicketMirror | NotFound | PermissionDenied,
                               strawberry.union("RetryMirrorPayload")]


def _raw(desk: DeskInput) -> dict[str, Any]:
    raw: dict[str, Any] = {"kind": desk.kind.value, "url": desk.url,
                           "credentials": desk.credentials or {}, "mappings": desk.mappings or {}}
    if desk.timeout is not None:
        raw["timeout"] = desk.timeout
    return raw


@strawberry.type
class MirrorMutation:
    @strawberry.mutation(description="Group administrators: set or remove a school's local desk.")
    async def configure_desk(self, info: Info, input: ConfigureDeskInput) -> ConfigureDeskPayload:
        ctx = info.context

        async def act() -> DeskConfigured:
            tenant, setting = await desks.configure_desk(
                ctx.session, actor=ctx.viewer,
                tenant_id=require_id(input.tenant_id, "Tenant", "tenant", field="tenantId"),
                desk=None if input.desk is None else _raw(input.desk))
            return DeskConfigured(school=Tenant.from_model(tenant),
                                  desk=DeskSettings.from_model(setting) if setting else None)
        return await attempt(ctx.session, act, fields={"tenant": "tenantId"})

    @strawberry.mutation(description="Group administrators: deliver a paused or failing mirror again.")
    async def retry_mirror(self, info: Info, ticket_id: relay.GlobalID) -> RetryMirrorPayload:
        ctx = info.context

        async def act() -> TicketMirror:
            return TicketMirror.from_model(await service.retry_mirror(
                ctx.session, actor=ctx.viewer,
                ticket_id=require_id(ticket_id, "Ticket", "ticket", field="ticketId")))
        return await attempt(ctx.session, act, fields={"ticket": "ticketId",
                                                       "mirror of ticket": "ticketId"})

    @strawberry.mutation(description="Group administrators: re-apply the group ticket's state on its "
                                     "local ticket (after a divergence).")
    async def resync_mirror(self, info: Info, ticket_id: relay.GlobalID) -> RetryMirrorPayload:
        ctx = info.context

        async def act() -> TicketMirror:
            return TicketMirror.from_model(await service.resync_mirror(
                ctx.session, actor=ctx.viewer,
                ticket_id=require_id(ticket_id, "Ticket", "ticket", field="ticketId")))
        return await attempt(ctx.session, act, fields={"ticket": "ticketId",
                                                       "mirror of ticket": "ticketId"})
