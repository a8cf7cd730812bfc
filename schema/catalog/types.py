"""Catalogue types: Brick > Service > SubService, and expert designations."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from schema.context import Info
from schema.nodes import resolve_nodes
from server.catalog import models, queries
from tenants.context import ApprovalRule
from tenants.context import ApproverKind as ApproverKindValue

if TYPE_CHECKING:
    from schema.sla.types import EstimatedDelay, ServiceLevelTarget


async def _nodes(cls: Any, model: type, info: Info, node_ids: Iterable[str]) -> list[Any]:
    return await resolve_nodes(cls, info, node_ids, functools.partial(queries.catalog_nodes,
                                                                      model=model))


Priority = strawberry.enum(models.Priority, description="Ticket priority.")
ApproverKind = strawberry.enum(ApproverKindValue, name="ApproverKind",
                               description="Who approves a sub-service's requests (group admins always may).")


@strawberry.type(description="Who approves a sub-service's requests.")
class Approvers:
    kind: ApproverKind
    role: str | None = strawberry.field(description="The role that approves (kind ROLE).")
    user_ids: strawberry.Private[list[int]]

    @strawberry.field(description="The named approvers' usernames (kind USERS).")
    async def usernames(self, info: Info) -> list[str]:
        return [(await info.context.loaders.user.load(i)).username for i in self.user_ids]


@strawberry.type(description="A sub-service: what a ticket is opened on, with its request form.")
class SubService(relay.Node):
    id: relay.NodeID[int]
    service_id: strawberry.Private[int]
    name: str
    description: str
    form: JSON = strawberry.field(description="The request form, a JSON Schema.")
    requires_approval: bool
    default_priority: Priority
    active: bool
    approvers_data: strawberry.Private[dict[str, Any] | None]
    cost_field: str | None = strawberry.field(description="The form's field holding the cost, shown in "
                                                          "approval requests.")
    second_approval_above: float | None = strawberry.field(
        description="Above this cost, a second approver (another person) must approve too.")

    @classmethod
    def from_model(cls, m: models.SubService) -> SubService:
        return cls(id=m.id, service_id=m.service_id, name=m.name, description=m.description,
                   form=m.form, requires_approval=m.requires_approval,
                   default_priority=m.default_priority, active=m.active, approvers_data=m.approvers,
                   cost_field=m.cost_field, second_approval_above=m.second_approval_above)

    @strawberry.field(description="Who approves its requests (by default the opening school's managers).")
    def approvers(self) -> Approvers:
        rule = ApprovalRule.from_data(self.approvers_data)
        return Approvers(kind=rule.kind, role=rule.role.value if rule.role else None,
                         user_ids=sorted(rule.user_ids))

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False):
        return await _nodes(cls, models.SubService, info, node_ids)

    @strawberry.field
    async def service(self, info: Info) -> Service:
        return Service.from_model(await info.context.loaders.service.load(self.service_id))

    @strawberry.field(description="What the sub-service promises, per priority (LOW first).")
    async def service_level_targets(self, info: Info) -> list[Annotated[
            ServiceLevelTarget, strawberry.lazy("schema.sla.types")]]:
        from schema.sla.types import ServiceLevelTarget

        rows = await info.context.loaders.targets_of_sub_service.load(self.id)
        return [ServiceLevelTarget.from_model(r) for r in rows]

    @strawberry.field(description="What a school can expect before opening a ticket here: the "
                                  "median take time of the last 90 days' tickets (5 at least), "
                                  "else the take target at the default priority.")
    async def estimated_delay(self, info: Info) -> Annotated[
            EstimatedDelay, strawberry.lazy("schema.sla.types")]:
        from schema.sla.types import EstimatedDelay

        ctx = info.context
        found = await ctx.loaders.estimated_delay.load(self.id)
        calendar = await ctx.loaders.calendar_of_tenant.load(ctx.viewer.tenant_id)
        return EstimatedDelay(take_business_seconds=found.take_business_seconds,
                              resolve_business_seconds=found.resolve_business_seconds,
                              taken_by=found.taken_by(calendar, ctx.clock()), basis=found.basis,
                              sample_size=found.sample_size)


@strawberry.type(description="A service of a brick; it groups sub-services.")
class Service(relay.Node):
    id: relay.NodeID[int]
    brick_id: strawberry.Private[int]
    name: str
    description: str
    active: bool

    @classmethod
    def from_model(cls, m: models.Service) -> Service:
        return cls(id=m.id, brick_id=m.brick_id, name=m.name, description=m.description,
                   active=m.active)

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False):
        return await _nodes(cls, models.Service, info, node_ids)

    @strawberry.field
    async def brick(self, info: Info) -> Brick:
        return Brick.from_model(await info.context.loaders.brick.load(self.brick_id))

    @strawberry.field(description="Active sub-services (inactive ones too for administrators).")
    async def sub_services(self, info: Info) -> list[SubService]:
        rows = await info.context.loaders.sub_services_of_service.load(self.id)
        return [SubService.from_model(r) for r in rows]


@strawberry.type(description="A digital service shared by the group (Scenari, OpenMoodle, ...).")
class Brick(relay.Node):
    id: relay.NodeID[int]
    code: str
    name: str
    description: str
    active: bool

    @classmethod
    def from_model(cls, m: models.Brick) -> Brick:
        return cls(id=m.id, code=m.code, name=m.name, description=m.description, active=m.active)

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False):
        return await _nodes(cls, models.Brick, info, node_ids)

    @strawberry.field(description="Active services (inactive ones too for administrators).")
    async def services(self, info: Info) -> list[Service]:
        rows = await info.context.loaders.services_of_brick.load(self.id)
        return [Service.from_model(r) for r in rows]
