"""Mirror administration: a school's desk settings, checking a desk, retrying a paused mirror."""

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
from tenants.desks import CheckOutcome
from tenants.i18n.messages import render

DeskCheckOutcome = strawberry.enum(CheckOutcome, name="DeskCheckOutcome", description=(
    "OK: reached, logged in, every mapping and right in place; NOT_CONFIGURED: nothing was sent (no "
    "desk, a secret not set, mappings the connector refuses); UNREACHABLE: no answer, a timeout or a "
    "temporary failure (HTTP 5xx); REFUSED: the desk answered and refused us (credentials, a wrong "
    "URL); PROBLEMS: logged in, but some mappings or the account's rights are wrong."))


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


@strawberry.type(description="What checking a school's desk found (nothing is changed on the desk).")
class DeskChecked:
    school: Tenant
    desk: DeskSettings | None = strawberry.field(description="The desk checked (null: none configured).")
    outcome: DeskCheckOutcome
    ok: bool = strawberry.field(description="Reached, logged in, every mapping and right in place.")
    reachable: bool = strawberry.field(description="The desk answered at all (even to refuse us).")
    message: str = strawberry.field(description="What the outcome means, in the reader's language.")
    detail: str = strawberry.field(description="In the desk's own words: what it answered (its API, "
                                               "the account, the organisation) or each problem found, "
                                               "separated by \"; \".")


ConfigureDeskPayload = Annotated[DeskConfigured | ValidationFailed | NotFound | PermissionDenied,
                                 strawberry.union("ConfigureDeskPayload")]
CheckDeskPayload = Annotated[DeskChecked | ValidationFailed | NotFound | PermissionDenied,
                             strawberry.union("CheckDeskPayload")]
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

    @strawberry.mutation(description="Group administrators: reach a school's desk with its credentials "
                                     "and say what works and what is wrong (audited).")
    async def check_desk(self, info: Info, tenant_id: relay.GlobalID) -> CheckDeskPayload:
        ctx = info.context

        async def act() -> DeskChecked:
            tenant, setting, result = await desks.check_school_desk(
                ctx.session, actor=ctx.viewer,
                tenant_id=require_id(tenant_id, "Tenant", "tenant", field="tenantId"))
            return DeskChecked(school=Tenant.from_model(tenant),
                               desk=DeskSettings.from_model(setting) if setting else None,
                               outcome=result.outcome, ok=result.ok, reachable=result.reached,
                               message=render(desks.CHECK_SUMMARIES[result.outcome]),
                               detail=result.detail)
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
