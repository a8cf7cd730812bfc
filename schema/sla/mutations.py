"""Service level administration: group administrators set a sub-service's targets per priority."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry import relay

from schema.catalog.types import Priority
from schema.context import Info
from schema.errors import NotFound, PermissionDenied, ValidationFailed, attempt_as
from schema.ids import require_id
from schema.sla.types import ServiceLevelTarget
from server.sla import targets

ServiceLevelTargetPayload = Annotated[
    ServiceLevelTarget | ValidationFailed | NotFound | PermissionDenied,
    strawberry.union("ServiceLevelTargetPayload")]


@strawberry.input(description="What a sub-service promises at one priority, in business minutes "
                              "(null: no promise). Tickets already open keep their targets until "
                              "their priority changes.")
class SetServiceLevelTargetInput:
    sub_service_id: relay.GlobalID
    priority: Priority
    take_minutes: int | None = None
    resolve_minutes: int | None = None


@strawberry.type
class ServiceLevelMutation:
    @strawberry.mutation(description="Group administrators: set a sub-service's time to take and "
                                     "time to resolve at one priority, in business minutes.")
    async def set_service_level_target(self, info: Info, input: SetServiceLevelTargetInput
                                       ) -> ServiceLevelTargetPayload:
        ctx = info.context

        async def act() -> Any:
            return await targets.set_targets(
                ctx.session, actor=ctx.viewer,
                sub_service_id=require_id(input.sub_service_id, "SubService", "sub-service",
                                          field="subServiceId"),
                priority=input.priority.value, take_minutes=input.take_minutes,
                resolve_minutes=input.resolve_minutes)
        return await attempt_as(ctx.session, ServiceLevelTarget.from_model, act,
                                fields={"sub-service": "subServiceId"})
