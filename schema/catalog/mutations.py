"""Catalogue administration mutations: fetch ids, call the service, return a payload union."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from schema.context import Info
from schema.errors import Conflict, NotFound, PermissionDenied, ValidationFailed, attempt, attempt_as
from schema.ids import node_id, require_id
from schema.catalog.types import ApproverKind, Brick, Priority, Service, SubService
from schema.identity.types import ExpertDesignation, Role
from server.catalog import experts, service
from server.catalog.service import UNSET as KEEP


def _given(value: Any) -> Any:
    """A field not sent (or sent as null) leaves the stored value unchanged."""
    return KEEP if value is strawberry.UNSET or value is None else value


BrickPayload = Annotated[Brick | ValidationFailed | Conflict | NotFound | PermissionDenied,
                         strawberry.union("BrickPayload")]
ServicePayload = Annotated[Service | ValidationFailed | Conflict | NotFound | PermissionDenied,
                           strawberry.union("ServicePayload")]
SubServicePayload = Annotated[SubService | ValidationFailed | Conflict | NotFound | PermissionDenied,
                              strawberry.union("SubServicePayload")]
DesignationPayload = Annotated[
    ExpertDesignation | ValidationFailed | Conflict | NotFound | PermissionDenied,
    strawberry.union("DesignationPayload")]


@strawberry.type
class ExpertRevoked:
    revoked_id: relay.GlobalID


# The argument that names each kind designateExpert may not find.
DESIGNATION_FIELDS = {"user": "userId", "brick": "brickId", "service": "serviceId",
                      "sub-service": "subServiceId"}

RevokePayload = Annotated[ExpertRevoked | NotFound | PermissionDenied,
                          strawberry.union("RevokeExpertPayload")]


@strawberry.input
class CreateBrickInput:
    code: str
    name: str
    description: str = ""


@strawberry.input
class UpdateBrickInput:
    id: relay.GlobalID
    name: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    active: bool | None = strawberry.UNSET


@strawberry.input
class CreateServiceInput:
    brick_id: relay.GlobalID
    name: str
    description: str = ""


@strawberry.input
class UpdateServiceInput:
    id: relay.GlobalID
    name: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    active: bool | None = strawberry.UNSET


@strawberry.input
class CreateSubServiceInput:
    service_id: relay.GlobalID
    name: str
    description: str = ""
    form: JSON | None = None
    requires_approval: bool = False
    default_priority: Priority = Priority.NORMAL


@strawberry.input(description="Who approves: the opening school's managers, holders of a role, or "
                              "named users.")
class ApproversInput:
    kind: ApproverKind
    role: Role | None = None
    usernames: list[str] | None = None


@strawberry.input
class UpdateSubServiceInput:
    id: relay.GlobalID
    name: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    form: JSON | None = strawberry.UNSET
    requires_approval: bool | None = strawberry.UNSET
    default_priority: Priority | None = strawberry.UNSET
    active: bool | None = strawberry.UNSET
    approvers: ApproversInput | None = strawberry.UNSET
    cost_field: str | None = strawberry.field(default=strawberry.UNSET, description=(
        "The form's number field holding the cost; null removes it."))
    second_approval_above: float | None = strawberry.field(default=strawberry.UNSET, description=(
        "Above this cost a second approver must approve too; null removes the threshold."))


@strawberry.input(description="The user by id or by username (one of them), and one scope.")
class DesignateExpertInput:
    user_id: relay.GlobalID | None = None
    username: str | None = None
    brick_id: relay.GlobalID | None = None
    service_id: relay.GlobalID | None = None
    sub_service_id: relay.GlobalID | None = None


async def _update_brick(info: Info, input: UpdateBrickInput) -> Any:
    ctx = info.context
    return await attempt_as(ctx.session, Brick.from_model, lambda: service.update_brick(
        ctx.session, actor=ctx.viewer, brick_id=require_id(input.id, "Brick", "brick", field="id"),
        name=_given(input.name), description=_given(input.description),
        active=_given(input.active)), fields={"brick": "id"})


async def _update_service(info: Info, input: UpdateServiceInput) -> Any:
    ctx = info.context
    return await attempt_as(ctx.session, Service.from_model, lambda: service.update_service(
        ctx.session, actor=ctx.viewer,
        service_id=require_id(input.id, "Service", "service", field="id"),
        name=_given(input.name), description=_given(input.description),
        active=_given(input.active)), fields={"service": "id"})


async def _update_sub_service(info: Info, input: UpdateSubServiceInput) -> Any:
    ctx = info.context
    priority = _given(input.default_priority)
    return await attempt_as(ctx.session, SubService.from_model, lambda: service.update_sub_service(
        ctx.session, actor=ctx.viewer,
        sub_service_id=require_id(input.id, "SubService", "sub-service", field="id"),
        name=_given(input.name), description=_given(input.description),
        form=_given(input.form), requires_approval=_given(input.requires_approval),
        default_priority=priority if priority is KEEP else priority.value,
        active=_given(input.active), approvers=_approvers(input.approvers),
        cost_field=_nullable(input.cost_field),
        second_approval_above=_nullable(input.second_approval_above)), fields={"sub-service": "id"})


def _nullable(value: Any) -> Any:
    """A field not sent keeps the stored value; null clears it."""
    return KEEP if value is strawberry.UNSET else value


def _approvers(value: ApproversInput | None) -> Any:
    if value is strawberry.UNSET or value is None:
        return KEEP
    return {"kind": value.kind.value, "role": value.role.value if value.role else None,
            "usernames": value.usernames}


@strawberry.type
class CatalogMutation:
    @strawberry.mutation(description="Group administrators: add a brick to the catalogue.")
    async def create_brick(self, info: Info, input: CreateBrickInput) -> BrickPayload:
        ctx = info.context
        return await attempt_as(ctx.session, Brick.from_model, lambda: service.create_brick(
            ctx.session, actor=ctx.viewer, code=input.code, name=input.name,
            description=input.description))

    @strawberry.mutation(description="Group administrators: rename, describe or (de)activate a brick.")
    async def update_brick(self, info: Info, input: UpdateBrickInput) -> BrickPayload:
        return await _update_brick(info, input)

    @strawberry.mutation(description="Group administrators: add a service to a brick.")
    async def create_service(self, info: Info, input: CreateServiceInput) -> ServicePayload:
        ctx = info.context
        return await attempt_as(ctx.session, Service.from_model, lambda: service.create_service(
            ctx.session, actor=ctx.viewer,
            brick_id=require_id(input.brick_id, "Brick", "brick", field="brickId"),
            name=input.name, description=input.description), fields={"brick": "brickId"})

    @strawberry.mutation(description="Group administrators: change or (de)activate a service.")
    async def update_service(self, info: Info, input: UpdateServiceInput) -> ServicePayload:
        return await _update_service(info, input)

    @strawberry.mutation(description="Group administrators: add a sub-service with its request form.")
    async def create_sub_service(self, info: Info, input: CreateSubServiceInput) -> SubServicePayload:
        ctx = info.context
        return await attempt_as(ctx.session, SubService.from_model, lambda: service.create_sub_service(
            ctx.session, actor=ctx.viewer,
            service_id=require_id(input.service_id, "Service", "service", field="serviceId"),
            name=input.name, description=input.description, form=input.form,
            requires_approval=input.requires_approval,
            default_priority=input.default_priority.value), fields={"service": "serviceId"})

    @strawberry.mutation(description="Group administrators: change or (de)activate a sub-service.")
    async def update_sub_service(self, info: Info, input: UpdateSubServiceInput) -> SubServicePayload:
        return await _update_sub_service(info, input)

    @strawberry.mutation(description="Group administrators: designate a user as expert on a scope.")
    async def designate_expert(self, info: Info, input: DesignateExpertInput) -> DesignationPayload:
        ctx = info.context
        return await attempt_as(ctx.session, ExpertDesignation.from_model, lambda: experts.designate_expert(
            ctx.session, actor=ctx.viewer,
            user_id=node_id(input.user_id, "User", "user", field="userId"), username=input.username,
            brick_id=node_id(input.brick_id, "Brick", "brick", field="brickId"),
            service_id=node_id(input.service_id, "Service", "service", field="serviceId"),
            sub_service_id=node_id(input.sub_service_id, "SubService", "sub-service",
                                   field="subServiceId")), fields=DESIGNATION_FIELDS)

    @strawberry.mutation(description="Group administrators: revoke an expert designation.")
    async def revoke_expert(self, info: Info, id: relay.GlobalID) -> RevokePayload:
        ctx = info.context

        async def act() -> ExpertRevoked:
            await experts.revoke_expert(ctx.session, actor=ctx.viewer,
                                        designation_id=require_id(id, "ExpertDesignation",
                                                                  "designation", field="id"))
            return ExpertRevoked(revoked_id=id)
        return await attempt(ctx.session, act, fields={"designation": "id"})


@strawberry.type
class CatalogDeactivation:
    """Soft deactivation: nothing a ticket references is ever deleted."""

    @strawberry.mutation(description="Group administrators: deactivate a brick (kept for its tickets).")
    async def deactivate_brick(self, info: Info, id: relay.GlobalID) -> BrickPayload:
        return await _update_brick(info, UpdateBrickInput(id=id, active=False))

    @strawberry.mutation(description="Group administrators: deactivate a service.")
    async def deactivate_service(self, info: Info, id: relay.GlobalID) -> ServicePayload:
        return await _update_service(info, UpdateServiceInput(id=id, active=False))

    @strawberry.mutation(description="Group administrators: deactivate a sub-service.")
    async def deactivate_sub_service(self, info: Info, id: relay.GlobalID) -> SubServicePayload:
        return await _update_sub_service(
            info, UpdateSubServiceInput(id=id, active=False))
