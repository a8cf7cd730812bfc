"""Service level notation, shared by the federation file and the admin mutations: opening hours
("08:30-12:00"), durations of business time ("4h", "90m"), time zones and calendar documents.

Pure functions that raise ValueError with a message a person can act on.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_OPENING = re.compile(r"(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})")
_DURATION = re.compile(r"(\d+)\s*(h|m)")
# A year of business time is far beyond any promise; the bound keeps arithmetic sane.
MAX_TARGET_SECONDS = 366 * 24 * 3600


def parse_opening(text: str) -> tuple[dt.time, dt.time]:
    """"08:30-12:00" -> (08:30, 12:00); the end must come after the start, on the same day."""
    match = _OPENING.fullmatch(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"{text!r} is not an opening like '08:30-12:00'")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    try:
        start, end = dt.time(h1, m1), dt.time(h2, m2) if (h2, m2) != (24, 0) else dt.time.max
    except ValueError:
        raise ValueError(f"{text!r} is not a time of day") from None
    if end <= start:
        raise ValueError(f"{text!r} closes before it opens")
    return start, end


def parse_week(hours: Mapping[str, Any]) -> dict[int, tuple[tuple[dt.time, dt.time], ...]]:
    """{"monday": ["08:30-12:00", ...], ...} -> openings by weekday (0 is Monday), sorted and
    never overlapping; a weekday left out is closed."""
    week: dict[int, tuple[tuple[dt.time, dt.time], ...]] = {}
    for day, openings in hours.items():
        if day not in WEEKDAYS:
            raise ValueError(f"{day!r} is not a weekday ({', '.join(WEEKDAYS)})")
        if isinstance(openings, str) or not isinstance(openings, Sequence):
            raise ValueError(f"{day}: give a list of openings like ['08:30-12:00']")
        try:
            parsed = sorted(parse_opening(o) for o in openings)
        except ValueError as error:
            raise ValueError(f"{day}: {error}") from None
        for (_, end), (start, _) in zip(parsed, parsed[1:], strict=False):
            if start < end:
                raise ValueError(f"{day}: openings overlap")
        week[WEEKDAYS.index(day)] = tuple(parsed)
    return week


def parse_duration(text: str | int) -> int:
    """Business time in seconds from "4h", "90m", "1h30m" (or a number of minutes)."""
    if isinstance(text, int) and not isinstance(text, bool):
        seconds = text * 60
    elif isinstance(text, str) and text.strip() and _DURATION.sub("", text.replace(" ", "")) == "":
        seconds = sum(int(n) * (3600 if unit == "h" else 60)
                      for n, unit in _DURATION.findall(text.replace(" ", "")))
    else:
        raise ValueError(f"{text!r} is not a duration like '4h', '90m' or '1h30m' (business time)")
    if not 0 < seconds <= MAX_TARGET_SECONDS:
        raise ValueError(f"{text!r} must be more than nothing and at most {MAX_TARGET_SECONDS // 3600}h")
    return seconds


def check_time_zone(name: str) -> str:
    """The IANA time zone name, checked (Europe/Paris, America/Cayenne...)."""
    try:
        if not isinstance(name, str) or not name or name != name.strip():
            raise ValueError
        ZoneInfo(name)
    except (ValueError, ZoneInfoNotFoundError):
        raise ValueError(f"{name!r} is not a known time zone (e.g. Europe/Paris)") from None
    return name


def parse_day(value: str | dt.date) -> dt.date:
    """A calendar day, from YAML's date or ISO text (2026-12-24)."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else _refuse(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a day like 2026-12-24") from None


def _refuse(value: object) -> dt.date:
    raise ValueError(f"{value!r} is not a day")


# Used when a federation names no calendar: weekdays, office hours, Paris.
DEFAULT_HOURS: dict[str, list[str]] = {day: ["08:30-12:00", "13:30-17:30"] for day in WEEKDAYS[:5]}
DEFAULT_TIME_ZONE = "Europe/Paris"
