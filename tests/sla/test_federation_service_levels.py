"""The federation file's service levels: read with defaults, every mistake named by line and field,
and imported idempotently."""

from __future__ import annotations

from sqlalchemy import select

from server.importing import import_federation
from server.sla.calendars import calendar_of
from server.sla.models import CalendarSetting, SchoolCalendar, ServiceLevelTarget
from tenants.federation import demo_federation_path, load_federation
from tenants.federation.specs import SchoolCalendarSpec, TargetSpec
from tests.federation.test_federation_file import VALID, edited, issues_in, parsed
from tests.tickets.helpers import PUBLICATION_FAILURE, sub_service_id, tenant_id

LEVELS = """\
service_levels:
  calendar:
    time_zone: Europe/Paris
    hours:
      monday: ["08:30-12:00", "13:30-17:30"]
    closures:
      - {from: 2026-12-19, to: 2027-01-03, name: Christmas break}
    schools:
      - {school: school-a, alsace_moselle: true}
  targets:
    NORMAL: {take: 4h, resolve: 1h30m}
"""
# Line numbers once appended to VALID (18 lines): 19 service_levels, 21 time_zone, 22 hours,
# 25 the closure, 27 the school, 29 NORMAL.


def test_service_levels_are_read_with_their_calendar_and_targets() -> None:
    federation = parsed(VALID + LEVELS)
    assert federation.calendar is not None
    assert federation.calendar.hours == (("monday", ("08:30-12:00", "13:30-17:30")),)
    assert federation.calendar.schools == (SchoolCalendarSpec("school-a", None, True),)
    assert federation.default_targets == (TargetSpec("NORMAL", 4 * 3600, 5400),)
    assert parsed(VALID).calendar is None


def test_sub_service_targets_are_read_per_priority() -> None:
    text = edited("            description: A new account.\n",
                  "            description: A new account.\n"
                  "            targets: {HIGH: {take: 30m}}\n")
    sub = parsed(text).bricks[0].services[0].sub_services[0]
    assert sub.targets == (TargetSpec("HIGH", 1800, None),)


def test_every_service_level_mistake_is_named_by_line_and_field() -> None:
    text = VALID + (LEVELS.replace("Europe/Paris", "Europe/Lyon")
                    .replace('["08:30-12:00", "13:30-17:30"]', '["12:00-08:30"]')
                    .replace("from: 2026-12-19, to: 2027-01-03", "from: 2027-01-03, to: 2026-12-19")
                    .replace("school: school-a", "school: group")
                    .replace("take: 4h", "take: 4 days"))
    assert issues_in(text) == [
        (21, "service_levels.calendar.time_zone",
         "'Europe/Lyon' is not a known time zone (e.g. Europe/Paris)"),
        (22, "service_levels.calendar.hours", "monday: '12:00-08:30' closes before it opens"),
        (25, "service_levels.calendar.closures[0].to", "must not come before `from`"),
        (27, "service_levels.calendar.schools[0].school", "'group' is not a school"),
        (29, "service_levels.targets.NORMAL.take",
         "'4 days' is not a duration like '4h', '90m' or '1h30m' (business time)"),
    ]


def test_a_misspelt_priority_or_target_field_is_refused() -> None:
    found = issues_in(VALID + LEVELS.replace("NORMAL: {take: 4h,", "NORMAL: {tkae: 4h,"))
    assert [(line, field) for line, field, _ in found] == [(29, "service_levels.targets.NORMAL.tkae")]
    found = issues_in(VALID + LEVELS.replace("NORMAL:", "URGENT:"))
    assert [(line, field) for line, field, _ in found] == [(29, "service_levels.targets.URGENT")]


async def test_the_demo_service_levels_are_imported_and_a_second_load_changes_nothing(session) -> None:
    strasbourg = await tenant_id(session, "insa-strasbourg")
    calendar = await calendar_of(session, strasbourg)
    assert calendar.holiday_subdivision == "6AE"
    assert (await calendar_of(session, await tenant_id(session, "insa-lyon"))).holiday_subdivision is None
    assert (await session.get(CalendarSetting, 1)) is not None
    assert await session.get(SchoolCalendar, strasbourg) is not None
    publication = await sub_service_id(session, PUBLICATION_FAILURE)
    own = {t.priority.value: (t.take_seconds, t.resolve_seconds) for t in await session.scalars(
        select(ServiceLevelTarget).where(ServiceLevelTarget.sub_service_id == publication))}
    assert own == {"LOW": (27000, 135000), "NORMAL": (14400, 81000), "HIGH": (3600, 25200),
                   "CRITICAL": (1800, 14400)}
    report = await import_federation(session, load_federation(demo_federation_path()))
    assert report.updated["service level targets"] == 0 and report.updated["calendar"] == 0
    assert report.unchanged["school calendars"] == 1
