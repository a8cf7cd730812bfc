"""The business calendar: open hours, French holidays (Alsace-Moselle's too), closures, time zones, DST."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.sla.calendar import (
    ALSACE_MOSELLE,
    BusinessCalendar,
    Closure,
    add_business_seconds,
    business_seconds,
    holiday_names,
)
from server.sla.calendars import build_calendar
from tenants.service_levels import DEFAULT_HOURS, parse_duration, parse_opening, parse_week

PARIS = ZoneInfo("Europe/Paris")
HOURS = {"monday": ["08:30-12:00", "13:30-17:30"], "tuesday": ["08:30-12:00", "13:30-17:30"],
         "wednesday": ["08:30-12:00", "13:30-17:30"], "thursday": ["08:30-12:00", "13:30-17:30"],
         "friday": ["08:30-12:00", "13:30-16:30"]}
CALENDAR = build_calendar(time_zone="Europe/Paris", opening_hours=HOURS, closures=[
    {"from": "2026-12-19", "to": "2027-01-03", "name": "Christmas break"}])
STRASBOURG = BusinessCalendar(time_zone="Europe/Paris", hours=CALENDAR.hours,
                              closures=CALENDAR.closures, holiday_subdivision=ALSACE_MOSELLE)


def paris(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=PARIS)  # type: ignore[misc]


def hours(n: float) -> float:
    return n * 3600


def test_a_working_day_counts_its_opening_hours_only() -> None:
    # Tuesday 1 December 2026: 3h30 in the morning, 4h in the afternoon.
    assert business_seconds(CALENDAR, paris(2026, 12, 1, 0), paris(2026, 12, 2, 0)) == hours(7.5)
    assert business_seconds(CALENDAR, paris(2026, 12, 1, 11), paris(2026, 12, 1, 14)) == hours(1.5)
    assert business_seconds(CALENDAR, paris(2026, 12, 1, 12, 15), paris(2026, 12, 1, 13)) == 0


def test_the_weekend_is_closed_and_friday_closes_early() -> None:
    friday_evening, monday_morning = paris(2026, 12, 4, 16), paris(2026, 12, 7, 9)
    assert business_seconds(CALENDAR, friday_evening, monday_morning) == hours(1)
    # Four business hours after Friday 16:00: 30 minutes on Friday, then Monday until 12:00.
    assert add_business_seconds(CALENDAR, friday_evening, hours(4)) == paris(2026, 12, 7, 12)


def test_a_target_ending_at_lunch_falls_due_at_noon_not_after_lunch() -> None:
    assert add_business_seconds(CALENDAR, paris(2026, 12, 1, 8, 30), hours(3.5)) == paris(2026, 12, 1, 12)
    assert add_business_seconds(CALENDAR, paris(2026, 12, 1, 12, 30), hours(1)) == paris(2026, 12, 1, 14, 30)


def test_french_public_holidays_are_closed() -> None:
    # Wednesday 11 November 2026 is Armistice Day.
    assert not CALENDAR.is_business_day(dt.date(2026, 11, 11))
    assert business_seconds(CALENDAR, paris(2026, 11, 11, 0), paris(2026, 11, 12, 0)) == 0
    assert add_business_seconds(CALENDAR, paris(2026, 11, 10, 17), hours(1)) == paris(2026, 11, 12, 9)
    assert "Armistice Day" in holiday_names(CALENDAR, 2026).values()


def test_alsace_moselle_keeps_good_friday_and_st_stephens_day_as_an_option() -> None:
    good_friday = dt.date(2027, 3, 26)
    assert CALENDAR.is_business_day(good_friday)
    assert not STRASBOURG.is_business_day(good_friday)
    st_stephen = dt.date(2025, 12, 26)
    assert CALENDAR.is_business_day(st_stephen) and not STRASBOURG.is_business_day(st_stephen)
    # Thursday 17:00 to Tuesday 09:00 over Easter Monday (29 March 2027), closed everywhere.
    thursday, tuesday = paris(2027, 3, 25, 17), paris(2027, 3, 30, 9)
    assert business_seconds(CALENDAR, thursday, tuesday) == hours(0.5 + 6.5 + 0.5)
    assert business_seconds(STRASBOURG, thursday, tuesday) == hours(0.5 + 0.5)


def test_closure_days_are_closed_both_ends_included() -> None:
    assert not CALENDAR.is_business_day(dt.date(2026, 12, 21))
    assert not CALENDAR.is_business_day(dt.date(2027, 1, 1))
    # Friday 18 December 16:00, one business hour: 30 minutes that day, then Monday 4 January.
    assert add_business_seconds(CALENDAR, paris(2026, 12, 18, 16), hours(1)) == paris(2027, 1, 4, 9)
    assert Closure(dt.date(2026, 12, 19), dt.date(2027, 1, 3)).covers(dt.date(2027, 1, 3))


def test_opening_hours_are_the_schools_wall_clock_across_daylight_saving() -> None:
    # Paris moves to summer time on Sunday 28 March 2027: opening is 08:30 local on the Friday
    # before and the Tuesday after, which is 07:30 UTC, then 06:30 UTC.
    before = CALENDAR.openings(dt.date(2027, 3, 26))[0][0]
    after = CALENDAR.openings(dt.date(2027, 3, 30))[0][0]
    assert (before.hour, before.minute, after.hour, after.minute) == (7, 30, 6, 30)
    # A week counts 36h30 on either side of the change (the second loses Easter Monday).
    assert business_seconds(CALENDAR, paris(2027, 3, 22, 0), paris(2027, 3, 29, 0)) == hours(36.5)
    assert business_seconds(CALENDAR, paris(2027, 3, 29, 0), paris(2027, 4, 5, 0)) == hours(36.5 - 7.5)


def test_a_schools_time_zone_moves_its_hours() -> None:
    cayenne = BusinessCalendar(time_zone="America/Cayenne", hours=CALENDAR.hours)
    start = dt.datetime(2026, 12, 1, 11, 30, tzinfo=dt.UTC)  # 08:30 in Cayenne, 12:30 in Paris
    assert add_business_seconds(cayenne, start, hours(1)) == start + dt.timedelta(hours=1)
    assert add_business_seconds(CALENDAR, start, hours(1)) == paris(2026, 12, 1, 14, 30)


def test_instants_without_a_time_zone_and_negative_amounts_are_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        business_seconds(CALENDAR, dt.datetime(2026, 12, 1), paris(2026, 12, 2))
    with pytest.raises(ValueError, match="negative"):
        add_business_seconds(CALENDAR, paris(2026, 12, 1), -1)
    with pytest.raises(ValueError, match="no open hours"):
        add_business_seconds(BusinessCalendar(), paris(2026, 12, 1), 1)


def test_notation_is_checked_with_messages_that_say_what_is_expected() -> None:
    assert parse_opening("08:30-12:00") == (dt.time(8, 30), dt.time(12))
    assert parse_duration("1h30m") == 5400 and parse_duration("90m") == 5400
    with pytest.raises(ValueError, match="closes before it opens"):
        parse_opening("12:00-08:00")
    with pytest.raises(ValueError, match="overlap"):
        parse_week({"monday": ["08:00-12:00", "11:00-13:00"]})
    with pytest.raises(ValueError, match="not a weekday"):
        parse_week({"mondays": ["08:00-12:00"]})
    with pytest.raises(ValueError, match="duration"):
        parse_duration("4 days")


instants = st.datetimes(min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2028, 12, 31),
                        timezones=st.just(dt.UTC)).map(lambda d: d.replace(microsecond=0))
amounts = st.integers(min_value=0, max_value=int(hours(200)))
calendars = st.sampled_from([CALENDAR, STRASBOURG,
                             build_calendar(time_zone="Europe/Paris", opening_hours=DEFAULT_HOURS,
                                            closures=())])


@settings(max_examples=150, deadline=None)
@given(calendars, instants, amounts)
def test_the_instant_n_business_seconds_later_is_n_business_seconds_away(
        calendar: BusinessCalendar, start: dt.datetime, seconds: int) -> None:
    due = add_business_seconds(calendar, start, seconds)
    assert due >= start
    assert business_seconds(calendar, start, due) == seconds
    # And it is the earliest such instant: a second before, less business time had passed.
    if seconds:
        assert business_seconds(calendar, start, due - dt.timedelta(seconds=1)) < seconds


@settings(max_examples=150, deadline=None)
@given(calendars, instants, instants, instants)
def test_business_time_adds_up_over_consecutive_spans(calendar: BusinessCalendar, a: dt.datetime,
                                                      b: dt.datetime, c: dt.datetime) -> None:
    first, middle, last = sorted((a, b, c))
    assert (business_seconds(calendar, first, middle) + business_seconds(calendar, middle, last)
            == business_seconds(calendar, first, last))
    assert business_seconds(calendar, last, first) == 0
