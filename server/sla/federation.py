"""Importing a federation file's service levels: the calendar, school options and targets.

Idempotent like the rest of the import: rows are created or updated to match the file, never
deleted. Targets of a sub-service are the section's defaults, overridden priority by priority by
the sub-service's own `targets:`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.catalog.models import Priority
from server.sla.calendars import CALENDAR_ID
from server.sla.models import CalendarSetting, SchoolCalendar
from server.sla.targets import Targets, store_targets
from tenants.federation.specs import CalendarSpec, TargetSpec

# (kind, outcome) -> how many, with outcome one of created, updated, unchanged.
Counts = Counter[tuple[str, str]]


async def import_calendar(session: AsyncSession, spec: CalendarSpec,
                          tenant_ids: Mapping[str, int]) -> Counts:
    """The federation's calendar row and each listed school's options."""
    counts: Counts = Counter()
    values: dict[str, Any] = dict(
        time_zone=spec.time_zone, opening_hours={day: list(o) for day, o in spec.hours},
        closures=[{"from": c.first, "to": c.last, "name": c.name} for c in spec.closures])
    row = await session.get(CalendarSetting, CALENDAR_ID)
    if row is None:
        session.add(CalendarSetting(id=CALENDAR_ID, **values))
        counts["calendar", "created"] += 1
    else:
        counts["calendar", _apply(row, values)] += 1
    schools = {s.tenant_id: s for s in await session.scalars(select(SchoolCalendar))}
    for school in spec.schools:
        tenant_id = tenant_ids[school.school]
        wanted = dict(time_zone=school.time_zone, alsace_moselle=school.alsace_moselle)
        if (found := schools.get(tenant_id)) is None:
            session.add(SchoolCalendar(tenant_id=tenant_id, **wanted))
            counts["school calendars", "created"] += 1
        else:
            counts["school calendars", _apply(found, wanted)] += 1
    await session.flush()
    return counts


async def import_targets(session: AsyncSession, defaults: Iterable[TargetSpec],
                         sub_services: Iterable[tuple[int, Iterable[TargetSpec]]]) -> Counts:
    """Each sub-service's targets per priority: its own where given, else the defaults."""
    counts: Counts = Counter()
    base = {t.priority: t for t in defaults}
    for sub_service_id, own in sub_services:
        merged = base | {t.priority: t for t in own}
        for priority, target in merged.items():
            _, changed = await store_targets(session, sub_service_id, Priority(priority), Targets(
                target.take_seconds, target.resolve_seconds))
            counts["service level targets", "updated" if changed else "unchanged"] += 1
    return counts


def _apply(row: Any, values: Mapping[str, Any]) -> str:
    changed = {k: v for k, v in values.items() if getattr(row, k) != v}
    for key, value in changed.items():
        setattr(row, key, value)
    return "updated" if changed else "unchanged"
