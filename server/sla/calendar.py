"""The business calendar: when the group's experts work, as pure functions over instants.

A calendar is opening hours per weekday in a time zone, minus public holidays (the `holidays`
library's French calendar, with Alsace-Moselle's Good Friday and St Stephen's Day for schools that
keep them) and minus closure days (the Christmas break). `business_time` counts the open time
between two instants; `add_business_time` finds the instant a given open time after a start.
Opening hours are local wall-clock times, so a DST change moves them with the school's clocks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# The `holidays` subdivision of France holding Alsace-Moselle's two extra public holidays.
ALSACE_MOSELLE = "6AE"
# No calendar is open less than one day in this many: beyond it a target can never be reached.
_SEARCH_DAYS = 3 * 366

Opening = tuple[dt.time, dt.time]


@dataclass(frozen=True, slots=True)
class Closure:
    """Days the whole federation is closed, both ends included (e.g. the Christmas break)."""

    first: dt.date
    last: dt.date
    name: str = ""

    def covers(self, day: dt.date) -> bool:
        return self.first <= day <= self.last


@dataclass(frozen=True)
class BusinessCalendar:
    """Opening hours per weekday (0 is Monday) in `time_zone`, holidays and closures off."""

    time_zone: str = "Europe/Paris"
    hours: Mapping[int, tuple[Opening, ...]] = field(default_factory=dict, hash=False)
    closures: tuple[Closure, ...] = ()
    # None: France's national holidays; ALSACE_MOSELLE adds the region's two.
    holiday_subdivision: str | None = None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def is_business_day(self, day: dt.date) -> bool:
        """Open hours that day, not a public holiday, not closed."""
        return (bool(self.hours.get(day.weekday()))
                and day not in _holidays(self.holiday_subdivision, day.year)
                and not any(c.covers(day) for c in self.closures))

    def openings(self, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
        """The open intervals of a local day, as UTC instants (empty on a day off)."""
        if not self.is_business_day(day):
            return []
        zone = self.zone
        return [(_utc(dt.datetime.combine(day, start, zone)), _utc(dt.datetime.combine(day, end, zone)))
                for start, end in self.hours[day.weekday()]]

    def _days_from(self, instant: dt.datetime) -> Iterator[dt.date]:
        day = instant.astimezone(self.zone).date()
        while True:
            yield day
            day += dt.timedelta(days=1)


def business_time(calendar: BusinessCalendar, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
    """The open time between two instants (zero when `end` is not after `start`)."""
    _check_aware(start, end)
    total = dt.timedelta()
    if end <= start:
        return total
    last_day = end.astimezone(calendar.zone).date()
    for day in calendar._days_from(start):
        if day > last_day:
            break
        for opens, closes in calendar.openings(day):
            lower, upper = max(opens, start), min(closes, end)
            if upper > lower:
                total += upper - lower
    return total


def add_business_time(calendar: BusinessCalendar, start: dt.datetime,
                      amount: dt.timedelta) -> dt.datetime:
    """The earliest instant whose open time since `start` is `amount`.

    Raises ValueError for a negative amount, or a calendar open too rarely to ever reach it.
    """
    _check_aware(start)
    if amount < dt.timedelta():
        raise ValueError(f"a business time cannot be negative, got {amount}")
    if amount == dt.timedelta():
        return start
    left = amount
    for index, day in enumerate(calendar._days_from(start)):
        if index > _SEARCH_DAYS:
            break
        for opens, closes in calendar.openings(day):
            lower = max(opens, start)
            if closes <= lower:
                continue
            if closes - lower >= left:
                return lower + left
            left -= closes - lower
    raise ValueError("the calendar has no open hours in the next three years")


def business_seconds(calendar: BusinessCalendar, start: dt.datetime, end: dt.datetime) -> float:
    """`business_time` in seconds."""
    return business_time(calendar, start, end).total_seconds()


def add_business_seconds(calendar: BusinessCalendar, start: dt.datetime,
                         seconds: float) -> dt.datetime:
    """`add_business_time` with an amount in seconds."""
    return add_business_time(calendar, start, dt.timedelta(seconds=seconds))


def holiday_names(calendar: BusinessCalendar, year: int) -> dict[dt.date, str]:
    """The public holidays the calendar keeps in one year, by date."""
    return dict(_holidays(calendar.holiday_subdivision, year))


@lru_cache(maxsize=64)
def _holidays(subdivision: str | None, year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("FR", subdiv=subdivision, years=year)


def _utc(instant: dt.datetime) -> dt.datetime:
    return instant.astimezone(dt.UTC)


def _check_aware(*instants: dt.datetime) -> None:
    if any(i.tzinfo is None for i in instants):
        raise ValueError("business time needs instants with a time zone")
