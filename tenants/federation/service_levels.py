"""The `service_levels:` section (the business calendar, default targets) and sub-service targets."""

from __future__ import annotations

from dataclasses import dataclass, field

from tenants import service_levels as notation
from tenants.federation.fields import Record, kind_of, plain_data
from tenants.federation.located import LocatedMap, LocatedScalar
from tenants.federation.people import Tenants
from tenants.federation.specs import (
    PRIORITIES,
    CalendarSpec,
    ClosureSpec,
    SchoolCalendarSpec,
    TargetSpec,
)
from tenants.context import TenantKind

SECTION_FIELDS = ("calendar", "targets")
CALENDAR_FIELDS = ("time_zone", "hours", "closures", "schools")
CLOSURE_FIELDS = ("from", "to", "name")
SCHOOL_FIELDS = ("school", "time_zone", "alsace_moselle")
TARGET_FIELDS = ("take", "resolve")


@dataclass
class ServiceLevels:
    calendar: CalendarSpec | None = None
    targets: tuple[TargetSpec, ...] = field(default_factory=tuple)


def read_service_levels(top: Record, tenants: Tenants) -> ServiceLevels:
    """The optional `service_levels:` section."""
    node = top.value("service_levels")
    if node is None:
        return ServiceLevels()
    record = Record.open(top.log, node, top.path_of("service_levels"), SECTION_FIELDS)
    if record is None:
        return ServiceLevels()
    calendar = None
    if (cal := record.value("calendar")) is not None:
        sub = Record.open(record.log, cal, record.path_of("calendar"), CALENDAR_FIELDS)
        calendar = None if sub is None else _read_calendar(sub, tenants)
    return ServiceLevels(calendar=calendar, targets=read_targets(record, "targets"))


def read_targets(record: Record, key: str) -> tuple[TargetSpec, ...]:
    """`{CRITICAL: {take: 1h, resolve: 8h}, ...}`: a priority left out promises nothing here."""
    node = record.value(key)
    if node is None:
        return ()
    if not isinstance(node, LocatedMap):
        record.problem(key, f"must map priorities ({', '.join(PRIORITIES)}) to targets; "
                            f"got {kind_of(node)}")
        return ()
    per_priority = Record(record.log, node, record.path_of(key), PRIORITIES)
    found = []
    for priority in PRIORITIES:
        value = per_priority.value(priority)
        if value is None:
            continue
        target = Record.open(record.log, value, per_priority.path_of(priority), TARGET_FIELDS)
        if target is None:
            per_priority.ok = False
            continue
        take, resolve = _duration(target, "take"), _duration(target, "resolve")
        if target.ok:
            found.append(TargetSpec(priority=priority, take_seconds=take,
                                    resolve_seconds=resolve))
    if not per_priority.ok:
        record.ok = False
    return tuple(found)


def _duration(record: Record, key: str) -> int | None:
    node = record.value(key)
    if node is None:
        return None
    value = node.value if isinstance(node, LocatedScalar) else None
    try:
        return notation.parse_duration(value)  # type: ignore[arg-type]
    except ValueError as error:
        record.problem(key, str(error))
        return None


def _read_calendar(record: Record, tenants: Tenants) -> CalendarSpec | None:
    zone = _zone(record, "time_zone") or notation.DEFAULT_TIME_ZONE
    hours: tuple[tuple[str, tuple[str, ...]], ...] = tuple(
        (day, tuple(openings)) for day, openings in notation.DEFAULT_HOURS.items())
    node = record.value("hours")
    if node is not None:
        raw, clean = plain_data(record.log, node, record.path_of("hours"))
        try:
            if not clean:
                raise ValueError("must be plain data")
            if not isinstance(raw, dict):
                raise ValueError(f"must map weekdays to openings; got {kind_of(node)}")
            notation.parse_week(raw)
            hours = tuple((day, tuple(openings)) for day, openings in raw.items())
        except ValueError as error:
            record.problem("hours", str(error))
    closures = []
    for item, path in record.items("closures", required=False):
        closure = Record.open(record.log, item, path, CLOSURE_FIELDS)
        if closure is not None and (spec := _closure(closure)) is not None:
            closures.append(spec)
    schools = []
    for item, path in record.items("schools", required=False):
        school = Record.open(record.log, item, path, SCHOOL_FIELDS)
        if school is not None and (found := _school(school, tenants)) is not None:
            schools.append(found)
    if not record.ok:
        return None
    return CalendarSpec(time_zone=zone, hours=hours, closures=tuple(closures),
                        schools=tuple(schools))


def _zone(record: Record, key: str) -> str | None:
    name = record.optional_text(key)
    if name is None:
        return None
    try:
        return notation.check_time_zone(name)
    except ValueError as error:
        record.problem(key, str(error))
        return None


def _closure(record: Record) -> ClosureSpec | None:
    days = []
    for key in ("from", "to"):
        node = record.required(key)
        try:
            days.append(notation.parse_day(node.value) if isinstance(node, LocatedScalar) else None)
        except ValueError as error:
            record.problem(key, str(error))
    name = record.optional_text("name") or ""
    if not record.ok or len(days) != 2 or None in days:
        return None
    first, last = days
    assert first is not None and last is not None
    if last < first:
        record.problem("to", "must not come before `from`")
        return None
    return ClosureSpec(first=first.isoformat(), last=last.isoformat(), name=name)


def _school(record: Record, tenants: Tenants) -> SchoolCalendarSpec | None:
    slug = record.text("school")
    known = tenants.slugs.find(slug) if slug else None
    if slug and known is None:
        record.problem("school", f"unknown tenant {slug!r}")
    elif known is not None and not any(t.slug == known and t.kind is TenantKind.SCHOOL
                                       for t in tenants.specs):
        record.problem("school", f"{slug!r} is not a school")
    zone = _zone(record, "time_zone")
    alsace_moselle = record.flag("alsace_moselle", False)
    if not record.ok or known is None:
        return None
    return SchoolCalendarSpec(school=known, time_zone=zone, alsace_moselle=alsace_moselle)
