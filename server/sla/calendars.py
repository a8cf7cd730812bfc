"""The business calendar each school's tickets run on, read from the federation's stored calendar.

One row holds the federation's calendar (server.sla.models.CalendarSetting); a school may override
its time zone and keep Alsace-Moselle's two extra holidays. No row: weekdays 08:30-12:00 and
13:30-17:30, Europe/Paris, French public holidays.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.sla.calendar import ALSACE_MOSELLE, BusinessCalendar, Closure
from server.sla.models import CalendarSetting, SchoolCalendar
from tenants import service_levels as notation

CALENDAR_ID = 1


def build_calendar(*, time_zone: str, opening_hours: Mapping[str, Any], closures: Iterable[Any],
                   school: SchoolCalendar | None = None) -> BusinessCalendar:
    """A calendar from its stored documents (already checked when they were stored)."""
    return BusinessCalendar(
        time_zone=(school.time_zone if school is not None and school.time_zone else time_zone),
        hours=notation.parse_week(opening_hours),
        closures=tuple(Closure(notation.parse_day(c["from"]), notation.parse_day(c["to"]),
                               str(c.get("name", ""))) for c in closures),
        holiday_subdivision=ALSACE_MOSELLE if school is not None and school.alsace_moselle else None)


DEFAULT_CALENDAR = build_calendar(time_zone=notation.DEFAULT_TIME_ZONE,
                                  opening_hours=notation.DEFAULT_HOURS, closures=())


async def calendars_of(session: AsyncSession,
                       tenant_ids: Iterable[int]) -> dict[int, BusinessCalendar]:
    """Each school's calendar, in two statements whatever the number of schools."""
    wanted = sorted(set(tenant_ids))
    base = await session.get(CalendarSetting, CALENDAR_ID)
    schools = {s.tenant_id: s for s in await session.scalars(
        select(SchoolCalendar).where(SchoolCalendar.tenant_id.in_(wanted)))} if wanted else {}
    found = {}
    for tenant_id in wanted:
        school = schools.get(tenant_id)
        if base is None and school is None:
            found[tenant_id] = DEFAULT_CALENDAR
            continue
        found[tenant_id] = build_calendar(
            time_zone=base.time_zone if base else notation.DEFAULT_TIME_ZONE,
            opening_hours=base.opening_hours if base else notation.DEFAULT_HOURS,
            closures=base.closures if base else (), school=school)
    return found


async def calendar_of(session: AsyncSession, tenant_id: int) -> BusinessCalendar:
    """The calendar one school's tickets run on."""
    return (await calendars_of(session, [tenant_id]))[tenant_id]


def closure_document(first: dt.date, last: dt.date, name: str) -> dict[str, str]:
    """How a closure is stored."""
    return {"from": first.isoformat(), "to": last.isoformat(), "name": name}
