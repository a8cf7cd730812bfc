"""The daily roll-up of `stats`: facts per instant, the summary tables, and how a query splits.

Every figure of `stats` counts tickets by one of their instants (server.reports.stats). `facts`
is that definition in one place: one row per (ticket, instant) in a set of time ranges, with the
ticket's school, place, priority and assignee, a 1 in the column of the figure it feeds, and the
duration and SLA outcome it carries. The roll-up is `facts` summed per UTC day and per *grain*
(the columns a row keeps; GRAINS) into `stats_day`, with rows for complete weeks and months
summing their days, and its durations counted per logarithmic bucket into
`stats_day_histogram` (HISTOGRAM_SPANS). A query reads complete, clean, rolled-up UTC days from the
summary tables and everything else (the period's partial first and last days, today, days a
change marked dirty) from `facts` on the live tables, in the same statement: the answer is
always current.

Days are UTC days. The roll-up never holds the current day: the job rolls up the days before
today, and a change to a rolled-up day marks it dirty (migration 0019's triggers), so it is read
live until the job rebuilds it.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (ColumnElement, Date, Float, Integer, Select, Table, and_, case, cast, delete,
                        func, insert, literal, false, null, or_, select, text, type_coerce, union_all, update)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.sql import visitors
from sqlalchemy.sql.schema import Column

from server.db import UTCDateTime, utcnow, writer_session
from server.reports import figures_sql
from server.reports.models import (COUNTS, DIMENSIONS, DURATIONS, stats_day, stats_day_histogram,
                                   stats_dirty_day, stats_rollup_state)
from server.sla.models import TicketEscalation
from server.tickets.models import Ticket
from server.tickets.workflow import TicketState

# pg_try_advisory_xact_lock's key: "groupdesk stats", any constant the app uses for nothing else.
ROLLUP_LOCK_KEY = 0x67645F737461
# The grains, smallest first: a query reads the first one holding every column its visibility,
# filter and grouping name (others go to the live tables alone). The group admin's totals, time
# groupings and groupings by one column read 0 to 4, Scenari per school 5; a school manager
# (their school, or assigned to them) 6; an expert (the places their designations cover, or
# assigned to them) 7.
GRAINS: dict[int, tuple[str, ...]] = {
    0: (),
    1: ("priority",),
    2: ("tenant_id",),
    3: ("brick_id", "service_id", "sub_service_id"),
    4: ("assignee_id",),
    5: ("tenant_id", "brick_id"),
    6: ("tenant_id", "assignee_id"),
    7: ("brick_id", "service_id", "sub_service_id", "assignee_id"),
    8: ("tenant_id", "brick_id", "service_id", "sub_service_id", "assignee_id"),
}
# Histograms are kept for the grains with few groups only, and per day for the whole
# federation alone: a finer histogram holds fewer durations than it has buckets and would be as
# large as the tickets. Grain -> the spans its histograms are kept for. Queries on the other
# grains compute their percentiles exactly from the tickets; days no histogram row covers are
# counted from the tickets into the same buckets.
HISTOGRAM_SPANS: dict[int, tuple[int, ...]] = {0: (30, 7, 1), 1: (30,), 2: (30,), 3: (30,)}
# Spans of stored rows: days, ISO weeks (from Monday), months; `day` is the span's first day.
DAY, WEEK, MONTH = 1, 7, 30
# Durations are counted in buckets [r^i, r^(i+1)) with r = (1 + a) / (1 - a) and stand for
# 2 r^(i+1) / (r + 1): any value is within a = 2.5% of its bucket's (relative error); values at or
# below 0 fall in ZERO_BUCKET and stand for 0.
RELATIVE_ERROR = 0.025
BUCKET_RATIO = (1 + RELATIVE_ERROR) / (1 - RELATIVE_ERROR)
ZERO_BUCKET = -(2 ** 30)
MEASURES = {name: k for k, name in enumerate(DURATIONS)}
BATCH_DAYS = 60  # new days rolled up in one transaction at most

Ranges = list[tuple[dt.datetime | None, dt.datetime]]


def midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def bucket_value(bucket: int) -> float:
    """The value a bucket stands for."""
    if bucket == ZERO_BUCKET:
        return 0.0
    return 2 * BUCKET_RATIO ** (bucket + 1) / (BUCKET_RATIO + 1)


def bucket_of(value: Any) -> ColumnElement[int]:
    """The bucket of a duration, in SQL (both databases have ln and floor)."""
    return case((value <= 0, ZERO_BUCKET),
                else_=cast(func.floor(func.ln(value) / math.log(BUCKET_RATIO)), Integer))


def day_of(dialect: str, stamp: Any) -> ColumnElement[dt.date]:
    """The UTC day of a stored instant."""
    if dialect == "postgresql":
        return cast(func.timezone("UTC", stamp), Date)
    return type_coerce(func.date(stamp), Date)  # CAST AS DATE would make it a number


def _in(stamp: Any, ranges: Ranges) -> ColumnElement[bool]:
    found = [stamp < hi if lo is None else and_(stamp >= lo, stamp < hi) for lo, hi in ranges]
    return or_(*found) if found else false()


def departed_at(dialect: str) -> ColumnElement[dt.datetime]:
    """When the ticket left the open set: the first of resolved, closed, rejected (else NULL),
    never before its creation (so that opened minus departed is 0 or 1 at any instant, as the
    live backlog's "open at the end" is)."""
    rejected = case((Ticket.state == TicketState.REJECTED, Ticket.updated_at))
    if dialect == "postgresql":
        first = func.least(Ticket.resolved_at, Ticket.closed_at, rejected)
        return type_coerce(case((first.is_not(None), func.greatest(Ticket.created_at, first))), UTCDateTime())
    far = literal("9999-12-31 00:00:00")
    first = func.nullif(func.min(func.coalesce(Ticket.resolved_at, far), func.coalesce(Ticket.closed_at, far),
                                 func.coalesce(rejected, far)), far)
    return type_coerce(func.max(Ticket.created_at, first), UTCDateTime())


BRANCHES = ("opened", "taken", "resolved", "closed", "rejected", "departed", "escalations")


def facts(dialect: str, where: Sequence[ColumnElement[bool]], ranges: Ranges,
          branches: Iterable[str] = BRANCHES) -> Select[Any]:
    """One row per (ticket, instant in `ranges`) for the tickets matching `where`: the instant's
    UTC `day`, the six DIMENSIONS, a 1 in the count it feeds (COUNTS), its durations (DURATIONS,
    NULL when none) and SLA outcome."""
    dims = [Ticket.tenant_id, Ticket.brick_id, Ticket.service_id, Ticket.sub_service_id,
            Ticket.priority, Ticket.assignee_id]

    def branch(stamp: Any, values: dict[str, Any], *extra: ColumnElement[bool],
               source: Any = None) -> Select[Any]:
        columns: list[Any] = [day_of(dialect, stamp).label("day"), *dims]
        columns += [literal(values.get(name, 0)).label(name) if not isinstance(values.get(name), ColumnElement)
                    else values[name].label(name) for name in COUNTS]
        columns += [cast(values.get(name), Float).label(name) for name in DURATIONS]
        statement = select(*columns)
        if source is not None:
            statement = statement.select_from(source)
        return statement.where(*where, _in(stamp, ranges), *extra)

    def outcome(spent: Any, target: Any) -> tuple[ColumnElement[int], ColumnElement[int]]:
        return (case((spent <= target, 1), else_=0),
                case((and_(target.is_not(None), spent.is_not(None)), 1), else_=0))

    take_met, take_targeted = outcome(Ticket.take_business_seconds, Ticket.take_target_seconds)
    resolve_met, resolve_targeted = outcome(Ticket.resolve_business_seconds, Ticket.resolve_target_seconds)
    made = {
        "opened": lambda: branch(Ticket.created_at, {"opened": 1}),
        "taken": lambda: branch(Ticket.taken_at, {
            "taken": 1, "take_met": take_met, "take_targeted": take_targeted,
            "take_business": Ticket.take_business_seconds,
            "take_wall": figures_sql.seconds_between(dialect, Ticket.taken_at, Ticket.created_at)}),
        "resolved": lambda: branch(Ticket.resolved_at, {
            "resolved": 1, "resolve_met": resolve_met, "resolve_targeted": resolve_targeted,
            "resolve_business": Ticket.resolve_business_seconds,
            "resolve_wall": figures_sql.seconds_between(dialect, Ticket.resolved_at, Ticket.created_at)}),
        "closed": lambda: branch(Ticket.closed_at, {"closed": 1}),
        "rejected": lambda: branch(Ticket.updated_at, {"rejected": 1}, Ticket.state == TicketState.REJECTED),
        # The departure is none of the indexed instants: the OR of those it can equal lets the
        # database read the indexes instead of every ticket.
        "departed": lambda: branch(departed_at(dialect), {"departed": 1}, or_(
            _in(Ticket.resolved_at, ranges), _in(Ticket.closed_at, ranges), _in(Ticket.created_at, ranges),
            and_(Ticket.state == TicketState.REJECTED, _in(Ticket.updated_at, ranges)))),
        "escalations": lambda: branch(TicketEscalation.created_at, {"escalations": 1}, source=(
            TicketEscalation.__table__.join(Ticket.__table__, Ticket.id == TicketEscalation.ticket_id))),
    }
    parts = [made[name]() for name in branches]
    return parts[0] if len(parts) == 1 else union_all(*parts)  # type: ignore[return-value]


# --- filling -------------------------------------------------------------------------------


async def take_rollup_lock(session: AsyncSession) -> bool:
    """Whether this transaction may roll up: on PostgreSQL, only the one holding the advisory lock."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    return bool(await session.scalar(select(func.pg_try_advisory_xact_lock(ROLLUP_LOCK_KEY))))


def _summed(grain: int, source: Any) -> Select[Any]:
    kept = GRAINS[grain]
    group = [source.c.day, *(source.c[d] for d in kept)]
    return select(literal(grain), literal(DAY), source.c.day,
                  *(source.c[d] if d in kept else null() for d in DIMENSIONS),
                  *(func.sum(source.c[name]) for name in COUNTS),
                  *(c for name in DURATIONS for c in (func.count(source.c[name]),
                                                      func.coalesce(func.sum(source.c[name]), 0.0))),
                  ).group_by(*group)


def _unpivoted(source: Any) -> Any:
    """(day, dimensions, measure, bucket) per duration of `source`'s rows."""
    return union_all(*(select(source.c.day, *(source.c[d] for d in DIMENSIONS),
                              literal(k).label("measure"), bucket_of(source.c[name]).label("bucket"))
                       .where(source.c[name].is_not(None))
                       for name, k in MEASURES.items())).subquery("durations")


def _histogram(grain: int, source: Any, span: int, first: dt.date | None = None) -> Select[Any]:
    """The histogram rows of a grain: per day, or (`first` given) one row set for the span."""
    kept = GRAINS[grain]
    group = [*(source.c[d] for d in kept), source.c.measure, source.c.bucket]
    if first is None:
        group.insert(0, source.c.day)
    return select(literal(grain), literal(span), source.c.day if first is None else literal(first, Date),
                  *(source.c[d] if d in kept else null() for d in DIMENSIONS),
                  source.c.measure, source.c.bucket, func.count()).group_by(*group)


DAY_COLUMNS = [*DIMENSIONS, *COUNTS, *(f"{n}_{s}" for n in DURATIONS for s in ("n", "sum"))]
HISTOGRAM_COLUMNS = [*DIMENSIONS, "measure", "bucket", "n"]


async def build_days(session: AsyncSession, first: dt.date, last: dt.date) -> None:
    """(Re)build the day rows of the days [first, last)."""
    dialect = session.get_bind().dialect.name
    for table in (stats_day, stats_day_histogram):
        await session.execute(delete(table).where(table.c.span == DAY, table.c.day >= first,
                                                  table.c.day < last))
    source = facts(dialect, [], [(midnight(first), midnight(last))]).subquery("facts")
    durations = _unpivoted(source)
    for grain in GRAINS:
        await session.execute(insert(stats_day).from_select(["grain", "span", "day", *DAY_COLUMNS],
                                                            _summed(grain, source)))
        if DAY in HISTOGRAM_SPANS.get(grain, ()):
            await session.execute(insert(stats_day_histogram).from_select(
                ["grain", "span", "day", *HISTOGRAM_COLUMNS], _histogram(grain, durations, DAY)))


def week_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def after(span: int, first: dt.date) -> dt.date:
    """The day after the span starting on `first`."""
    if span == WEEK:
        return first + dt.timedelta(days=7)
    return (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


async def build_spans(session: AsyncSession, days: Iterable[dt.date], rolled_until: dt.date) -> None:
    """(Re)build the week and month rows holding `days`, for the weeks and months complete before
    `rolled_until` (the others are read day by day): sums from their day rows, histograms from
    the tickets (most grains keep no day histogram)."""
    dialect = session.get_bind().dialect.name
    kept = [stats_day.c[c] for c in ("grain", *DIMENSIONS)]
    summed = [c for c in DAY_COLUMNS if c not in DIMENSIONS]
    for span, start_of in ((WEEK, week_of), (MONTH, month_of)):
        starts = sorted({start_of(d) for d in days})
        for table in (stats_day, stats_day_histogram):
            for chunk in (starts[k:k + 200] for k in range(0, len(starts), 200)):
                await session.execute(delete(table).where(table.c.span == span, table.c.day.in_(chunk)))
        for first in starts:
            last = after(span, first)
            if last > rolled_until:
                continue
            await session.execute(insert(stats_day).from_select(
                ["grain", "span", "day", *DIMENSIONS, *summed],
                select(stats_day.c.grain, literal(span), literal(first, Date), *kept[1:],
                       *(func.sum(stats_day.c[c]) for c in summed))
                .where(stats_day.c.span == DAY, stats_day.c.day >= first, stats_day.c.day < last)
                .group_by(*kept)))
            grains = [g for g, spans in HISTOGRAM_SPANS.items() if span in spans]
            if grains:
                durations = _unpivoted(facts(dialect, [], [(midnight(first), midnight(last))],
                                             ["taken", "resolved"]).subquery("facts"))
                for grain in grains:
                    await session.execute(insert(stats_day_histogram).from_select(
                        ["grain", "span", "day", *HISTOGRAM_COLUMNS], _histogram(grain, durations, span, first)))


@dataclass
class RollupRun:
    """What one roll-up transaction did: dirty days rebuilt, new days rolled up, days still to go."""

    locked: bool = True
    rebuilt: list[dt.date] = field(default_factory=list)
    added: int = 0
    remaining: int = 0
    rolled_until: dt.date | None = None


def _runs(days: Sequence[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """Consecutive days as [first, last) runs."""
    found: list[tuple[dt.date, dt.date]] = []
    for day in sorted(days):
        if found and found[-1][1] == day:
            found[-1] = (found[-1][0], day + dt.timedelta(days=1))
        else:
            found.append((day, day + dt.timedelta(days=1)))
    return found


async def _settled_until(session: AsyncSession) -> dt.date:
    """The first day a transaction still running may write into (PostgreSQL).

    Changes of the current day mark nothing (migration 0019), so a transaction that began before
    midnight and commits after it would leave yesterday's roll-up without its change, if the job
    rolled that day up meanwhile. The job therefore rolls up only the days before the start of
    the oldest transaction still open on the database: such a day waits for it (the live tables
    answer for it meanwhile). SQLite has one writer: the job's own write transaction starts
    after every other writer has committed."""
    if session.get_bind().dialect.name != "postgresql":
        return dt.date.max
    oldest = await session.scalar(text(
        "SELECT min(xact_start) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
    return oldest.astimezone(dt.UTC).date() if oldest is not None else dt.date.max


async def roll_up(session: AsyncSession, *, today: dt.date, max_days: int = BATCH_DAYS) -> RollupRun:
    """Rebuild the dirty days already rolled up, then roll up at most `max_days` more complete
    days (before `today`), in the caller's transaction; idempotent. On PostgreSQL one process at a
    time (advisory lock): the others return at once with `locked` False."""
    if not await take_rollup_lock(session):
        return RollupRun(locked=False)
    today = min(today, await _settled_until(session))
    state = (await session.execute(select(stats_rollup_state.c.rolled_from, stats_rollup_state.c.rolled_until)
                                   .where(stats_rollup_state.c.id == 1))).first()
    # Taken first: a change committed after this statement marks its day again.
    dirty = list((await session.execute(delete(stats_dirty_day).returning(stats_dirty_day.c.day))).scalars())
    run = RollupRun()
    touched: list[dt.date] = []
    if state is None or state.rolled_until is None:
        first = await session.scalar(select(func.min(Ticket.created_at)))
        rolled_from = rolled_until = first.date() if first is not None else today
    else:
        rolled_from, rolled_until = state.rolled_from, state.rolled_until
        run.rebuilt = sorted(d for d in dirty if rolled_from <= d < rolled_until)
        for a, b in _runs(run.rebuilt):
            await build_days(session, a, b)
        touched += run.rebuilt
    last = min(today, rolled_until + dt.timedelta(days=max_days))
    if last > rolled_until:
        await build_days(session, rolled_until, last)
        run.added = (last - rolled_until).days
        touched += [rolled_until + dt.timedelta(days=k) for k in range(run.added)]
        rolled_until = last
    await build_spans(session, touched, rolled_until)
    run.remaining = max(0, (today - rolled_until).days)
    run.rolled_until = rolled_until
    values = {"rolled_from": rolled_from, "rolled_until": rolled_until, "updated_at": utcnow()}
    if state is None:
        await session.execute(insert(stats_rollup_state).values(id=1, **values))
    else:
        await session.execute(update(stats_rollup_state).where(stats_rollup_state.c.id == 1).values(**values))
    return run


async def backfill(sessions: async_sessionmaker[AsyncSession], *, today: dt.date,
                   days_per_step: int = BATCH_DAYS,
                   progress: Callable[[RollupRun], None] | None = None) -> RollupRun:
    """Roll up every complete day before `today`, one transaction per `days_per_step` days (so a
    million tickets are not one transaction), reporting each step; returns the last step. Stops
    at once, `locked` False, when another process is rolling up."""
    while True:
        async with writer_session(sessions) as session:
            run = await roll_up(session, today=today, max_days=days_per_step)
        if progress is not None:
            progress(run)
        if not run.locked or run.remaining == 0:
            return run


# --- reading -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Plan:
    """How a query reads the roll-up: which grain, its conditions on each summary table, the
    days rolled up (from `rolled_from` to `rolled_until`, but the dirty ones)."""

    grain: int
    rolled_from: dt.date
    rolled_until: dt.date
    dirty: frozenset[dt.date]
    on_days: list[ColumnElement[bool]]
    on_histogram: list[ColumnElement[bool]]

    @property
    def histograms(self) -> bool:
        return self.grain in HISTOGRAM_SPANS


def _ticket_columns(where: Sequence[ColumnElement[bool]]) -> set[str] | None:
    """The ticket columns the conditions name; None when they name anything else."""
    named: set[str] = set()
    for condition in where:
        for element in visitors.iterate(condition):
            if isinstance(element, Column):
                if element.table is not Ticket.__table__:
                    return None
                named.add(element.name)
    return named


def adapted(where: Sequence[ColumnElement[bool]], table: Table) -> list[ColumnElement[bool]]:
    """The conditions on `ticket` rewritten on the same-named columns of a summary table."""
    def swap(element: Any, **kw: Any) -> Any:
        if isinstance(element, Column) and element.table is Ticket.__table__:
            return table.c[element.name]
        return None
    return [visitors.replacement_traverse(c, {}, swap) for c in where]


async def plan(session: AsyncSession, where: Sequence[ColumnElement[bool]],
               key: str | None) -> Plan | None:
    """The roll-up's part of a query with these conditions grouped by the `key` column, or None
    when the live tables must answer alone (nothing rolled up, or a condition the summary rows
    cannot answer: text search, state, SLA state, dates...)."""
    named = _ticket_columns(where)
    if named is None:
        return None
    needed = named | ({key} if key else set())
    grain = next((g for g, kept in GRAINS.items() if needed <= set(kept)), None)
    if grain is None:
        return None
    state = (await session.execute(select(stats_rollup_state.c.rolled_from, stats_rollup_state.c.rolled_until)
                                   .where(stats_rollup_state.c.id == 1))).first()
    if state is None or state.rolled_until is None:
        return None
    dirty = frozenset((await session.execute(
        select(stats_dirty_day.c.day).where(stats_dirty_day.c.day < state.rolled_until))).scalars())
    return Plan(grain, state.rolled_from, state.rolled_until, dirty, adapted(where, stats_day),
                adapted(where, stats_day_histogram))


@dataclass(frozen=True, slots=True)
class Split:
    """A span of time as the clean rolled-up days [first, last) less `dirty`, and live `ranges`."""

    first: dt.date
    last: dt.date
    dirty: frozenset[dt.date]
    ranges: Ranges

    def cover(self, spans: Iterable[int]) -> tuple[list[dt.date], list[dt.date], list[tuple[dt.date, dt.date]]]:
        """The clean days as whole months and weeks where `spans` allow and they hold no dirty
        day, and runs of single days for the rest."""
        allowed = set(spans)
        months: list[dt.date] = []
        weeks: list[dt.date] = []
        days: list[tuple[dt.date, dt.date]] = []
        d = self.first
        while d < self.last:
            for span, starts, found in ((MONTH, d.day == 1, months), (WEEK, d.weekday() == 0, weeks)):
                end = after(span, d)
                if (span in allowed and starts and end <= self.last
                        and not any(d <= x < end for x in self.dirty)):
                    found.append(d)
                    d = end
                    break
            else:
                if d not in self.dirty:
                    if days and days[-1][1] == d:
                        days[-1] = (days[-1][0], d + dt.timedelta(days=1))
                    else:
                        days.append((d, d + dt.timedelta(days=1)))
                d += dt.timedelta(days=1)
        return months, weeks, days

    def rows(self, table: Table, spans: Iterable[int] = (MONTH, WEEK, DAY)
             ) -> tuple[ColumnElement[bool], Ranges]:
        """The condition on a summary table's rows covering the clean days (see `cover`), and the
        days left to read live when `spans` hold no DAY."""
        months, weeks, days = self.cover(spans)
        found: list[ColumnElement[bool]] = []
        for span, starts in ((MONTH, months), (WEEK, weeks)):
            if starts:
                found.append(and_(table.c.span == span, table.c.day.in_(starts)))
        left: Ranges = []
        if DAY in set(spans):
            found += [and_(table.c.span == DAY, table.c.day >= a, table.c.day < b) for a, b in days]
        else:
            left = [(midnight(a), midnight(b)) for a, b in days]
        return (or_(*found) if found else false()), left


def split(p: Plan, start: dt.datetime | None, end: dt.datetime) -> Split:
    """[start, end) (start None: since ever) as the clean rolled-up days inside it and the rest."""
    end_utc = end.astimezone(dt.UTC)
    last = min(p.rolled_until, end_utc.date())
    if start is None:
        first = p.rolled_from
        head: Ranges = [(None, min(end, midnight(first)))]
    else:
        start_utc = start.astimezone(dt.UTC)
        first = start_utc.date() if start_utc == midnight(start_utc.date()) else start_utc.date() + dt.timedelta(days=1)
        first = max(first, p.rolled_from)
        head = [(start, min(end, midnight(first)))] if start < midnight(first) else []
    if last <= first:
        return Split(first, first, frozenset(), [(start, end)])
    dirty = frozenset(d for d in p.dirty if first <= d < last)
    ranges: Ranges = [*head, *((midnight(d), midnight(d + dt.timedelta(days=1))) for d in sorted(dirty))]
    if midnight(last) < end:
        ranges.append((midnight(last), end))
    return Split(first, last, dirty, ranges)


def percentile(buckets: Sequence[tuple[int, int]], p: float) -> float | None:
    """percentile_cont(p) estimated from (bucket, count) pairs sorted by bucket: the values at the
    ranks around p (n - 1) stand for their buckets' values, interpolated as percentile_cont does;
    each is within RELATIVE_ERROR of the true one, and so is their weighted mean."""
    n = sum(c for _, c in buckets)
    if n == 0:
        return None
    rank = p * (n - 1)
    lower = int(rank)
    fraction = rank - lower

    def at(k: int) -> float:
        seen = 0
        for b, c in buckets:
            seen += c
            if k < seen:
                return bucket_value(b)
        return bucket_value(buckets[-1][0])

    low = at(lower)
    return low if fraction == 0 else low * (1 - fraction) + at(lower + 1) * fraction




# A grouping over a source of rows with `day` and the DIMENSIONS (a summary table or `facts`).
Keyed = Any


def _key(key: Keyed, source: Any) -> ColumnElement[Any]:
    return (null() if key is None else key(source)).label("key")


ALL_SPANS = (MONTH, WEEK, DAY)


async def summed(session: AsyncSession, p: Plan, where: Sequence[ColumnElement[bool]], key: Keyed,
                 start: dt.datetime, end: dt.datetime,
                 spans: Sequence[int] = ALL_SPANS) -> dict[Any, dict[str, float]]:
    """Per key, the COUNTS and each duration's `<name>_n` and `<name>_sum` of [start, end): the
    rolled-up days from `stats_day`, the rest from `facts`, in one statement."""
    dialect = session.get_bind().dialect.name
    s = split(p, start, end)
    live = facts(dialect, where, s.ranges, [b for b in BRANCHES if b != "departed"]).subquery("live")
    columns = [*COUNTS, *(f"{n}_{x}" for n in DURATIONS for x in ("n", "sum"))]
    rows = union_all(
        select(_key(key, stats_day), *(stats_day.c[c] for c in columns))
        .where(stats_day.c.grain == p.grain, s.rows(stats_day, spans)[0], *p.on_days),
        select(_key(key, live), *(live.c[c] for c in COUNTS),
               *(c for n in DURATIONS for c in (case((live.c[n].is_(None), 0), else_=1).label(f"{n}_n"),
                                                func.coalesce(live.c[n], 0.0).label(f"{n}_sum")))),
    ).subquery("both")
    statement = select(rows.c.key if key is not None else null().label("key"),
                       *(func.coalesce(func.sum(rows.c[c]), 0).label(c) for c in columns))
    if key is not None:
        statement = statement.group_by(rows.c.key)
    found = await session.execute(statement)
    return {r.key: {c: getattr(r, c) for c in columns} for r in found if any(getattr(r, c) for c in columns)}


async def backlog(session: AsyncSession, p: Plan, where: Sequence[ColumnElement[bool]], key: Keyed,
                  end: dt.datetime) -> dict[Any, int]:
    """Per key, the tickets open at `end`: opened minus departed over every day before it."""
    dialect = session.get_bind().dialect.name
    s = split(p, None, end)
    live = facts(dialect, where, s.ranges, ["opened", "departed"]).subquery("live")
    rows = union_all(
        select(_key(key, stats_day), (stats_day.c.opened - stats_day.c.departed).label("net"))
        .where(stats_day.c.grain == p.grain, s.rows(stats_day)[0], *p.on_days),
        select(_key(key, live), (live.c.opened - live.c.departed).label("net")),
    ).subquery("both")
    statement = select(rows.c.key if key is not None else null().label("key"), func.sum(rows.c.net))
    if key is not None:
        statement = statement.group_by(rows.c.key)
    return {k: int(n) for k, n in (await session.execute(statement)).all() if n}


async def histograms(session: AsyncSession, p: Plan, where: Sequence[ColumnElement[bool]], key: Keyed,
                     start: dt.datetime, end: dt.datetime,
                     spans: Sequence[int] = ALL_SPANS) -> dict[tuple[Any, str], list[tuple[int, int]]]:
    """Per (key, duration name), the (bucket, count) pairs of [start, end) sorted by bucket."""
    dialect = session.get_bind().dialect.name
    s = split(p, start, end)
    h = stats_day_histogram
    held, left = s.rows(h, [x for x in spans if x in HISTOGRAM_SPANS.get(p.grain, ())])
    live = facts(dialect, where, [*s.ranges, *left], ["taken", "resolved"]).subquery("live")
    rows = union_all(
        select(_key(key, h), h.c.measure, h.c.bucket, h.c.n)
        .where(h.c.grain == p.grain, held, *p.on_histogram),
        *(select(_key(key, live), literal(k).label("measure"), bucket_of(live.c[name]).label("bucket"),
                 literal(1).label("n")).where(live.c[name].is_not(None))
          for name, k in MEASURES.items()),
    ).subquery("both")
    grouped = [rows.c.key, rows.c.measure, rows.c.bucket] if key is not None else [rows.c.measure, rows.c.bucket]
    statement = (select(rows.c.key if key is not None else null().label("key"), rows.c.measure,
                        rows.c.bucket, func.sum(rows.c.n))
                 .group_by(*grouped).order_by(rows.c.measure, rows.c.bucket))
    found: dict[tuple[Any, str], list[tuple[int, int]]] = {}
    for k, measure, bucket, n in (await session.execute(statement)).all():
        found.setdefault((k, DURATIONS[measure]), []).append((int(bucket), int(n)))
    return found
