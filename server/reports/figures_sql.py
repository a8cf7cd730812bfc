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

from sqlalchemy import ColumnElement, and_, DateTime, Float, Integer, Select, String, case, cast, func, literal, null, select

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


def day_bucket(dialect: str, bucket: Bucket, day: Any) -> ColumnElement[str]:
    """The first day of the bucket holding a stored UTC day (a DATE), as 'YYYY-MM-DD'."""
    if dialect == "postgresql":
        return func.to_char(func.date_trunc(bucket.value.lower(), cast(day, DateTime)), "YYYY-MM-DD")
    return bucket_of(dialect, bucket, day)


def selected(key: ColumnElement[Any] | None) -> ColumnElement[Any]:
    """The key as a selected column named "key"; NULL for an ungrouped total."""
    return (null() if key is None else key).label("key")


def instant_figures(dialect: str, key: ColumnElement[Any] | None, where: list[ColumnElement[bool]], *,
                    durations: dict[str, Any], target: Any, spent: Any) -> Select[Any]:
    """One statement for the tickets whose instant falls in the period, per key (None: one total
    row): how many (`rows`), count, mean, median and 90th percentile of each duration (NULLs left
    out; columns `<name>_n`, `<name>_mean`, `<name>_p50`, `<name>_p90`), and how many met their
    target (`met`) out of those with a target and a spent time (`targeted`)."""
    has_target = and_(target.is_not(None), spent.is_not(None))
    met = func.sum(case((spent <= target, 1), else_=0))
    targeted = func.sum(case((has_target, 1), else_=0))
    if dialect == "postgresql":
        columns: list[Any] = [selected(key), func.count().label("rows"), met.label("met"),
                              targeted.label("targeted")]
        for name, value in durations.items():
            columns += [func.count(value).label(f"{name}_n"), func.avg(value).label(f"{name}_mean"),
                        *[func.percentile_cont(p).within_group(value).label(f"{name}_p{round(p * 100)}")
                          for p in PERCENTILES]]
        figures = select(*columns).where(*where)
        return figures if key is None else figures.group_by(key)
    # SQLite sorts NULLs first: a value's rank among the non-NULL ones skips them.
    inner: list[Any] = [selected(key), target.label("target"), spent.label("spent")]
    for name, value in durations.items():
        nulls = func.count().over(partition_by=key) - func.count(value).over(partition_by=key)
        inner += [value.label(f"{name}_v"),
                  (func.row_number().over(partition_by=key, order_by=value) - 1 - nulls).label(f"{name}_rn"),
                  func.count(value).over(partition_by=key).label(f"{name}_count")]
    rows = select(*inner).where(*where).subquery()
    c = rows.c
    outer: list[Any] = [c.key, func.count().label("rows"),
                        func.sum(case((c.spent <= c.target, 1), else_=0)).label("met"),
                        func.sum(case((and_(c.target.is_not(None), c.spent.is_not(None)), 1),
                                      else_=0)).label("targeted")]
    for name in durations:
        v, rn, n = c[f"{name}_v"], c[f"{name}_rn"], c[f"{name}_count"]
        outer += [func.count(v).label(f"{name}_n"), func.avg(v).label(f"{name}_mean"),
                  *[_interpolated(v, rn, n, p).label(f"{name}_p{round(p * 100)}") for p in PERCENTILES]]
    figures = select(*outer)
    return figures if key is None else figures.group_by(c.key)


def _interpolated(v: Any, rn: Any, n: Any, p: float) -> ColumnElement[float]:
    """percentile_cont(p) of each group from its numbered values: the two values around rank
    p * (n - 1), weighted by the fraction."""
    position = (n - 1) * p
    lower = cast(position, Integer)
    fraction = position - lower
    return func.sum(case((v.is_(None), 0.0), (rn == lower, v * (1 - fraction)),
                         (rn == lower + 1, v * fraction), else_=0.0))
