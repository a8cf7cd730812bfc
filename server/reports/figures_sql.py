"""The SQL pieces `stats` is made of, for PostgreSQL and SQLite: durations, time buckets, percentiles.

PostgreSQL computes medians and 90th percentiles with `percentile_cont`. SQLite has no ordered-set
aggregate, so the fallback numbers each group's values in order with `row_number()` over a window
and interpolates between the two values around the wanted rank exactly as `percentile_cont` does
(rank p * (n - 1), counted from 0): both databases give the same answer on the same rows.
Time buckets are UTC days, ISO weeks starting on Monday, and months, written 'YYYY-MM-DD'.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Float, Integer, Select, String, case, cast, func, literal, null, select

PERCENTILES = (0.5, 0.9)


class Bucket(StrEnum):
    """A calendar bucket of a time grouping."""

    DAY = "DAY"
    WEEK = "WEEK"
    MONTH = "MONTH"


def seconds_between(dialect: str, later: Any, earlier: Any) -> ColumnElement[float]:
    """Wall-clock seconds from `earlier` to `later` (a double: sorting NUMERIC would cost more;
    callers round the aggregates)."""
    if dialect == "postgresql":
        return func.date_part("epoch", later - earlier)
    return func.round((func.julianday(later) - func.julianday(earlier)) * 86400.0, 3)


def bucket_of(dialect: str, bucket: Bucket, stamp: Any) -> ColumnElement[str]:
    """The first day of the UTC bucket holding `stamp`, as 'YYYY-MM-DD'."""
    if dialect == "postgresql":
        unit = bucket.value.lower()
        return func.to_char(func.date_trunc(unit, func.timezone("UTC", stamp)), "YYYY-MM-DD")
    if bucket is Bucket.DAY:
        return func.strftime("%Y-%m-%d", stamp)
    if bucket is Bucket.MONTH:
        return func.strftime("%Y-%m-01", stamp)
    # Back to Monday: %w is 0 on Sunday, so (w + 6) % 7 days since Monday.
    back = (cast(func.strftime("%w", stamp), Float) + 6) % 7
    return func.date(stamp, literal("-") + cast(cast(back, Integer), String) + literal(" days"))



def selected(key: ColumnElement[Any] | None) -> ColumnElement[Any]:
    """The key as a selected column named "key"; NULL for an ungrouped total."""
    return (null() if key is None else key).label("key")


def duration_figures(dialect: str, key: ColumnElement[Any] | None, value: ColumnElement[float],
                     where: list[ColumnElement[bool]]) -> Select[Any]:
    """Per key (None: one total row): count, mean, median and 90th percentile of `value` over the
    rows in `where`, NULL values left out. Columns: key, n, mean, p50, p90."""
    if dialect == "postgresql":
        figures = select(selected(key), func.count(value).label("n"), func.avg(value).label("mean"),
                         *[func.percentile_cont(p).within_group(value).label(f"p{round(p * 100)}")
                           for p in PERCENTILES]).where(*where, value.is_not(None))
        return figures if key is None else figures.group_by(key)
    numbered = select(selected(key), value.label("v"),
                      (func.row_number().over(partition_by=key, order_by=value) - 1).label("rn"),
                      func.count().over(partition_by=key).label("n"))
    rows = numbered.where(*where, value.is_not(None)).subquery()
    figures = select(rows.c.key, func.count().label("n"), func.avg(rows.c.v).label("mean"),
                     *[_interpolated(rows.c, p).label(f"p{round(p * 100)}") for p in PERCENTILES])
    return figures if key is None else figures.group_by(rows.c.key)


def _interpolated(c: Any, p: float) -> ColumnElement[float]:
    """percentile_cont(p) of each group from its numbered rows: the two values around rank
    p * (n - 1), weighted by the fraction."""
    position = (c.n - 1) * p
    lower = cast(position, Integer)
    fraction = position - lower
    return func.sum(case((c.rn == lower, c.v * (1 - fraction)),
                         (c.rn == lower + 1, c.v * fraction), else_=0.0))
