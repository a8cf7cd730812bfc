"""Service level targets per sub-service and priority: reading them, and group admins setting them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.catalog.models import Priority, SubService
from server.errors import NotFound, PermissionDenied, ValidationFailed
from server.sla.models import ServiceLevelTarget
from tenants import policy
from tenants.context import Principal
from tenants.service_levels import MAX_TARGET_SECONDS


@dataclass(frozen=True, slots=True)
class Targets:
    """Business seconds until take and until resolution; None promises nothing."""

    take_seconds: int | None = None
    resolve_seconds: int | None = None


NO_TARGETS = Targets()


async def targets_for(session: AsyncSession, sub_service_id: int, priority: Priority) -> Targets:
    """What the sub-service promises at this priority."""
    row = await session.scalar(select(ServiceLevelTarget).where(
        ServiceLevelTarget.sub_service_id == sub_service_id,
        ServiceLevelTarget.priority == priority))
    return NO_TARGETS if row is None else Targets(row.take_seconds, row.resolve_seconds)


async def targets_of_sub_services(session: AsyncSession, sub_service_ids: list[int]
                                  ) -> dict[int, list[ServiceLevelTarget]]:
    """Every priority's targets of each sub-service, by urgency (LOW first)."""
    found: dict[int, list[ServiceLevelTarget]] = {i: [] for i in sub_service_ids}
    rank = list(Priority)
    rows = await session.scalars(select(ServiceLevelTarget).where(
        ServiceLevelTarget.sub_service_id.in_(sorted(set(sub_service_ids)))))
    for row in sorted(rows, key=lambda r: rank.index(r.priority)):
        found[row.sub_service_id].append(row)
    return found


async def store_targets(session: AsyncSession, sub_service_id: int, priority: Priority,
                        targets: Targets) -> tuple[ServiceLevelTarget, bool]:
    """Create or update one row; whether anything changed. Tickets already open keep theirs until
    their priority changes."""
    row = await session.scalar(select(ServiceLevelTarget).where(
        ServiceLevelTarget.sub_service_id == sub_service_id,
        ServiceLevelTarget.priority == priority))
    if row is None:
        row = ServiceLevelTarget(sub_service_id=sub_service_id, priority=priority,
                                 take_seconds=targets.take_seconds,
                                 resolve_seconds=targets.resolve_seconds)
        session.add(row)
        await session.flush()
        return row, True
    changed = (row.take_seconds, row.resolve_seconds) != (targets.take_seconds,
                                                          targets.resolve_seconds)
    row.take_seconds, row.resolve_seconds = targets.take_seconds, targets.resolve_seconds
    await session.flush()
    return row, changed


async def set_targets(session: AsyncSession, *, actor: Principal, sub_service_id: int,
                      priority: Priority | str, take_minutes: int | None,
                      resolve_minutes: int | None) -> ServiceLevelTarget:
    """A group admin sets what a sub-service promises at one priority (None: no promise)."""
    if not policy.may_manage_service_levels(actor):
        raise PermissionDenied("service level targets are set by group administrators")
    if await session.get(SubService, sub_service_id) is None:
        raise NotFound("sub-service", sub_service_id)
    problems: dict[str, str] = {}
    try:
        wanted = Priority(priority)
    except ValueError:
        problems["priority"] = "must be one of " + ", ".join(p.value for p in Priority)
    most = MAX_TARGET_SECONDS // 60
    for name, minutes in (("takeMinutes", take_minutes), ("resolveMinutes", resolve_minutes)):
        if minutes is not None and not 1 <= minutes <= most:
            problems[name] = f"must be between 1 and {most} minutes of business time, or null"
    if (take_minutes is not None and resolve_minutes is not None and not problems
            and resolve_minutes < take_minutes):
        problems["resolveMinutes"] = "must not be shorter than takeMinutes"
    if problems:
        raise ValidationFailed(problems)
    row, _ = await store_targets(session, sub_service_id, wanted, Targets(
        None if take_minutes is None else take_minutes * 60,
        None if resolve_minutes is None else resolve_minutes * 60))
    return row
