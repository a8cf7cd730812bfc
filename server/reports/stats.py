"""`stats`: volumes, handling times, SLA compliance and escalations of the tickets a caller sees.

Every figure starts from the same conditions as the `tickets` list (server.tickets.listing:
visibility, then the filter), so a dashboard never counts a ticket its reader could not open.
Each figure counts tickets by its own instant inside the period: opened by created_at, taken by
taken_at, resolved by resolved_at, closed by closed_at, rejected by the rejection (the ticket's
last update, REJECTED being final), escalations by the sweep's row; the backlog is the tickets
open at the period's end. Time groupings bucket each figure on that same instant.
Complete past days are read from the daily roll-up (server.reports.rollup) when it can answer
the query's conditions, the rest from the tickets; the answers are the live tables' (medians and
90th percentiles of large sets aside: estimated, and flagged so).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, not_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.errors import PermissionDenied
from server.reports import figures_sql, rollup
from server.reports.figures_sql import Bucket
from server.sla.models import TicketEscalation
from server.tickets import listing
from server.tickets.listing import TicketFilter
from server.tickets.models import Ticket
from server.tickets.workflow import TicketState
from server.validation import Checks
from tenants import policy
from tenants.context import Principal
from tenants.i18n.messages import Message

TOP = 10
# A DAY grouping over more than this many days is refused: nobody reads a chart that wide.
MAX_BUCKETS = 1_000


class GroupBy(StrEnum):
    """What a stats answer is split by; NONE gives the one total row."""

    NONE = "NONE"
    BRICK = "BRICK"
    SERVICE = "SERVICE"
    SUB_SERVICE = "SUB_SERVICE"
    SCHOOL = "SCHOOL"
    EXPERT = "EXPERT"
    PRIORITY = "PRIORITY"
    DAY = "DAY"
    WEEK = "WEEK"
    MONTH = "MONTH"


ENTITY_NAMES = {GroupBy.BRICK: "brick_id", GroupBy.SERVICE: "service_id",
                GroupBy.SUB_SERVICE: "sub_service_id", GroupBy.SCHOOL: "tenant_id",
                GroupBy.EXPERT: "assignee_id", GroupBy.PRIORITY: "priority"}
# Up to this many durations of one kind (take or resolve, business and wall clock) in the answer,
# medians and 90th percentiles are computed exactly from the tickets; above, estimated from the
# roll-up's histograms where the grain keeps them.
EXACT_PERCENTILES_UP_TO = 10_000

ENTITY_COLUMNS = {GroupBy.BRICK: Ticket.brick_id, GroupBy.SERVICE: Ticket.service_id,
                  GroupBy.SUB_SERVICE: Ticket.sub_service_id, GroupBy.SCHOOL: Ticket.tenant_id,
                  GroupBy.EXPERT: Ticket.assignee_id, GroupBy.PRIORITY: Ticket.priority}


@dataclass(frozen=True, slots=True)
class Period:
    """[start, end): the lower bound included, the upper one excluded."""

    start: dt.datetime
    end: dt.datetime

    def check(self, group_by: GroupBy) -> None:
        checks = Checks()
        for name, value in (("period.start", self.start), ("period.end", self.end)):
            if value.tzinfo is None:
                checks.add(name, Message("give a time zone (e.g. {example})",
                                         example="2026-11-01T00:00:00+01:00"))
        if self.start.tzinfo and self.end.tzinfo and self.end <= self.start:
            checks.add("period.end", Message("must be later than {field}", field="period.start"))
        elif (group_by is GroupBy.DAY and self.start.tzinfo and self.end.tzinfo
              and (self.end - self.start).days > MAX_BUCKETS):
            checks.add("groupBy", Message("DAY over at most {days} days: group by WEEK or MONTH",
                                          days=MAX_BUCKETS))
        checks.done()


@dataclass(frozen=True, slots=True)
class Durations:
    """Seconds: how many values, their mean, median and 90th percentile (None without values)."""

    count: int = 0
    mean: float | None = None
    median: float | None = None
    p90: float | None = None
    # True when median and p90 come from the roll-up's histograms (see server.reports.rollup).
    estimated: bool = False


@dataclass(frozen=True, slots=True)
class Compliance:
    """Tickets whose target was met, out of those that had one; rate None when none had."""

    met: int = 0
    total: int = 0

    @property
    def rate(self) -> float | None:
        return self.met / self.total if self.total else None


@dataclass(slots=True)
class StatsRow:
    """The figures of one group; `key` is the group's id, priority or first day (None: the total,
    or tickets nobody is assigned to when grouped by expert)."""

    key: Any = None
    opened: int = 0
    resolved: int = 0
    closed: int = 0
    rejected: int = 0
    backlog: int = 0
    escalations: int = 0
    take_business: Durations = field(default_factory=Durations)
    take_wall: Durations = field(default_factory=Durations)
    resolve_business: Durations = field(default_factory=Durations)
    resolve_wall: Durations = field(default_factory=Durations)
    take_compliance: Compliance = field(default_factory=Compliance)
    resolve_compliance: Compliance = field(default_factory=Compliance)


@dataclass(frozen=True, slots=True)
class StatsQuery:
    """One question: the caller's tickets matching `filter`, figures of `period`, by `group_by`."""

    viewer: Principal
    period: Period
    filter: TicketFilter = TicketFilter()
    group_by: GroupBy = GroupBy.NONE


def _key(dialect: str, group_by: GroupBy, stamp: Any) -> ColumnElement[Any] | None:
    """The grouping expression on a figure's own instant; None for the total (no GROUP BY)."""
    if group_by is GroupBy.NONE:
        return None
    if group_by in ENTITY_COLUMNS:
        return ENTITY_COLUMNS[group_by]  # type: ignore[return-value]
    return figures_sql.bucket_of(dialect, Bucket(group_by.value), stamp)


def _within(stamp: Any, period: Period) -> ColumnElement[bool]:
    return and_(stamp >= period.start, stamp < period.end)


def _open_at(end: dt.datetime) -> ColumnElement[bool]:
    """Opened before `end` and not yet resolved, closed or rejected by then."""
    return and_(Ticket.created_at < end,
                or_(Ticket.resolved_at.is_(None), Ticket.resolved_at >= end),
                or_(Ticket.closed_at.is_(None), Ticket.closed_at >= end),
                not_(and_(Ticket.state == TicketState.REJECTED, Ticket.updated_at < end)))


async def _visible(session: AsyncSession, q: StatsQuery) -> list[ColumnElement[bool]]:
    if not policy.may_read_stats(q.viewer):
        raise PermissionDenied(Message("figures are for group admins, school managers and experts"))
    q.period.check(q.group_by)
    return await listing.where_visible(session, viewer=q.viewer, filter=q.filter)


def _grouped(statement: Select[Any], key: ColumnElement[Any] | None) -> Select[Any]:
    return statement if key is None else statement.group_by(key)


async def _counts(session: AsyncSession, key: ColumnElement[Any] | None,
                  where: Sequence[ColumnElement[bool]], *, join: Any = None) -> dict[Any, int]:
    statement = select(figures_sql.selected(key), func.count())
    statement = statement.select_from(join) if join is not None else statement
    rows = await session.execute(_grouped(statement.where(*where), key))
    return {k: n for k, n in rows.all()}


def _float(x: Any) -> float | None:
    return None if x is None else round(float(x), 3)


def _durations_of(r: Any, name: str) -> Durations:
    return Durations(count=getattr(r, f"{name}_n"), mean=_float(getattr(r, f"{name}_mean")),
                     median=_float(getattr(r, f"{name}_p50")), p90=_float(getattr(r, f"{name}_p90")))


async def _instant_figures(session: AsyncSession, dialect: str, key: ColumnElement[Any] | None,
                           where: list[ColumnElement[bool]], *, business: Any, wall: Any,
                           target: Any, spent: Any) -> dict[Any, tuple[int, Durations, Durations, Compliance]]:
    """Per key: tickets at this instant, their business and wall-clock durations, compliance."""
    rows = await session.execute(figures_sql.instant_figures(
        dialect, key, where, durations={"business": business, "wall": wall}, target=target, spent=spent))
    return {r.key: (r.rows, _durations_of(r, "business"), _durations_of(r, "wall"),
                    Compliance(met=int(r.met or 0), total=int(r.targeted or 0))) for r in rows}


async def checked(session: AsyncSession, q: StatsQuery) -> StatsQuery:
    """The query, once the caller may read figures and its period and filter are valid."""
    await _visible(session, q)
    return q


async def stats_rows(session: AsyncSession, q: StatsQuery, *,
                     exact_up_to: int = EXACT_PERCENTILES_UP_TO) -> list[StatsRow]:
    """The figures per group, ordered by key (the total when grouped by NONE: one row): from the
    roll-up for the complete days it holds and the live tables for the rest when it can answer
    the query's conditions, else from the live tables alone."""
    where = await _visible(session, q)
    rolled = await rolled_rows(session, q, where, exact_up_to=exact_up_to)
    return rolled if rolled is not None else await _live_rows(session, q, where)


async def _live_rows(session: AsyncSession, q: StatsQuery,
                     where: list[ColumnElement[bool]]) -> list[StatsRow]:
    dialect = session.get_bind().dialect.name
    p, g = q.period, q.group_by
    rows: dict[Any, StatsRow] = {}

    def row(k: Any) -> StatsRow:
        return rows.setdefault(k, StatsRow(key=k))

    by = {stamp: _key(dialect, g, stamp) for stamp in (
        Ticket.created_at, Ticket.taken_at, Ticket.resolved_at, Ticket.closed_at, Ticket.updated_at)}
    for stamp, name in ((Ticket.created_at, "opened"), (Ticket.closed_at, "closed")):
        for k, n in (await _counts(session, by[stamp], [*where, _within(stamp, p)])).items():
            setattr(row(k), name, n)
    rejected = [*where, Ticket.state == TicketState.REJECTED, _within(Ticket.updated_at, p)]
    for k, n in (await _counts(session, by[Ticket.updated_at], rejected)).items():
        row(k).rejected = n
    # The backlog at the period's end, per group; a time grouping has no end per bucket to
    # count it at, so there it stays 0 (the total and backlogByExpert carry it).
    if g not in (GroupBy.DAY, GroupBy.WEEK, GroupBy.MONTH):
        for k, n in (await _counts(session, _key(dialect, g, Ticket.created_at),
                                   [*where, _open_at(p.end)])).items():
            row(k).backlog = n
    escalated_key = _key(dialect, g, TicketEscalation.created_at)
    escalations = await _counts(session, escalated_key,
                                [*where, _within(TicketEscalation.created_at, p)],
                                join=TicketEscalation.__table__.join(
                                    Ticket.__table__, Ticket.id == TicketEscalation.ticket_id))
    for k, n in escalations.items():
        row(k).escalations = n
    taken = await _instant_figures(
        session, dialect, by[Ticket.taken_at], [*where, _within(Ticket.taken_at, p)],
        business=Ticket.take_business_seconds,
        wall=figures_sql.seconds_between(dialect, Ticket.taken_at, Ticket.created_at),
        target=Ticket.take_target_seconds, spent=Ticket.take_business_seconds)
    for k, (n, business, wall, compliance) in taken.items():
        if n:
            r = row(k)
            r.take_business, r.take_wall, r.take_compliance = business, wall, compliance
    resolved = await _instant_figures(
        session, dialect, by[Ticket.resolved_at], [*where, _within(Ticket.resolved_at, p)],
        business=Ticket.resolve_business_seconds,
        wall=figures_sql.seconds_between(dialect, Ticket.resolved_at, Ticket.created_at),
        target=Ticket.resolve_target_seconds, spent=Ticket.resolve_business_seconds)
    for k, (n, business, wall, compliance) in resolved.items():
        if n:
            r = row(k)
            r.resolved, r.resolve_business, r.resolve_wall, r.resolve_compliance = n, business, wall, compliance
    return _ordered(g, rows)


def _ordered(g: GroupBy, rows: dict[Any, StatsRow]) -> list[StatsRow]:
    if g is GroupBy.NONE:
        return [rows.get(None) or StatsRow()]
    return sorted(rows.values(), key=lambda r: (r.key is None, str(r.key) if g in (
        GroupBy.PRIORITY, GroupBy.DAY, GroupBy.WEEK, GroupBy.MONTH) else r.key or 0))


@dataclass(frozen=True, slots=True)
class Ranked:
    """One entry of a top list: what (an id; None for nobody) and its figure."""

    key: int | None
    value: float


async def top_sub_services_by_volume(session: AsyncSession, q: StatsQuery) -> list[Ranked]:
    """The ten sub-services with the most tickets opened in the period, most first."""
    where = await _visible(session, q)
    sums = await _rolled_or_live_sums(session, q, where, GroupBy.SUB_SERVICE)
    if sums is not None:
        opened = sorted(((-s["opened"], k) for k, s in sums.items() if s["opened"]))[:TOP]
        return [Ranked(k, float(-n)) for n, k in opened]
    count = func.count().label("n")
    found = await session.execute(
        select(Ticket.sub_service_id, count).where(*where, _within(Ticket.created_at, q.period))
        .group_by(Ticket.sub_service_id).order_by(count.desc(), Ticket.sub_service_id).limit(TOP))
    return [Ranked(k, float(n)) for k, n in found.all()]


async def top_sub_services_by_resolve_time(session: AsyncSession, q: StatsQuery) -> list[Ranked]:
    """The ten sub-services with the longest mean business time to resolve in the period."""
    where = await _visible(session, q)
    sums = await _rolled_or_live_sums(session, q, where, GroupBy.SUB_SERVICE)
    if sums is not None:
        means = sorted((-s["resolve_business_sum"] / s["resolve_business_n"], k)
                       for k, s in sums.items() if s["resolve_business_n"])[:TOP]
        return [Ranked(k, round(-m, 3)) for m, k in means]
    mean = func.avg(Ticket.resolve_business_seconds).label("mean")
    found = await session.execute(
        select(Ticket.sub_service_id, mean)
        .where(*where, _within(Ticket.resolved_at, q.period),
               Ticket.resolve_business_seconds.is_not(None))
        .group_by(Ticket.sub_service_id).order_by(mean.desc(), Ticket.sub_service_id).limit(TOP))
    return [Ranked(k, round(float(m), 3)) for k, m in found.all()]


async def backlog_by_expert(session: AsyncSession, q: StatsQuery) -> list[Ranked]:
    """Tickets open at the period's end per assignee (None: nobody yet), most first (nobody
    sorts as the database sorts NULL: last on PostgreSQL, first on SQLite)."""
    where = await _visible(session, q)
    plan = await rollup.plan(session, where, ENTITY_NAMES[GroupBy.EXPERT])
    if plan is not None:
        dialect = session.get_bind().dialect.name
        open_at = await rollup.backlog(session, plan, where, _keyed(dialect, GroupBy.EXPERT), q.period.end)
        nobody_last = dialect == "postgresql"
        ordered = sorted(open_at.items(), key=lambda kn: (-kn[1], (kn[0] is None) == nobody_last, kn[0] or 0))
        return [Ranked(k, float(n)) for k, n in ordered]
    count = func.count().label("n")
    found = await session.execute(
        select(Ticket.assignee_id, count).where(*where, _open_at(q.period.end))
        .group_by(Ticket.assignee_id).order_by(count.desc(), Ticket.assignee_id))
    return [Ranked(k, float(n)) for k, n in found.all()]


# --- from the roll-up ----------------------------------------------------------------------


def _keyed(dialect: str, g: GroupBy) -> rollup.Keyed:
    """The grouping over a source with `day` and the dimensions (None: the total)."""
    if g is GroupBy.NONE:
        return None
    if g in ENTITY_NAMES:
        name = ENTITY_NAMES[g]
        return lambda source: source.c[name]
    return lambda source: figures_sql.day_bucket(dialect, Bucket(g.value), source.c.day)


def _spans(g: GroupBy) -> tuple[int, ...]:
    """The summary rows a grouping may read: a time grouping's buckets hold whole weeks or months
    only when they are weeks or months."""
    return {GroupBy.DAY: (rollup.DAY,), GroupBy.WEEK: (rollup.WEEK, rollup.DAY),
            GroupBy.MONTH: (rollup.MONTH, rollup.DAY)}.get(g, rollup.ALL_SPANS)


def _durations(sums: dict[str, float], name: str) -> Durations:
    n = int(sums[f"{name}_n"])
    return Durations(count=n, mean=_float(sums[f"{name}_sum"] / n) if n else None)


async def rolled_rows(session: AsyncSession, q: StatsQuery, where: list[ColumnElement[bool]], *,
                      exact_up_to: int = EXACT_PERCENTILES_UP_TO) -> list[StatsRow] | None:
    """`stats_rows` from the roll-up and the live tables, or None when the roll-up cannot answer
    (server.reports.rollup.plan). Counts, means and compliance are exact sums; medians and 90th
    percentiles are exact from the tickets up to `exact_up_to` durations of a kind, estimated
    from the histograms above."""
    g, p = q.group_by, q.period
    plan = await rollup.plan(session, where, ENTITY_NAMES.get(g))
    if plan is None:
        return None
    dialect = session.get_bind().dialect.name
    keyed = _keyed(dialect, g)
    rows: dict[Any, StatsRow] = {}
    sums = await rollup.summed(session, plan, where, keyed, p.start, p.end, _spans(g))
    for k, s in sums.items():
        if not any(s[c] for c in ("opened", "closed", "rejected", "escalations", "taken", "resolved")):
            continue
        r = rows[k] = StatsRow(key=k, opened=int(s["opened"]), closed=int(s["closed"]),
                               rejected=int(s["rejected"]), escalations=int(s["escalations"]))
        if s["taken"]:
            r.take_business, r.take_wall = _durations(s, "take_business"), _durations(s, "take_wall")
            r.take_compliance = Compliance(met=int(s["take_met"]), total=int(s["take_targeted"]))
        if s["resolved"]:
            r.resolved = int(s["resolved"])
            r.resolve_business, r.resolve_wall = _durations(s, "resolve_business"), _durations(s, "resolve_wall")
            r.resolve_compliance = Compliance(met=int(s["resolve_met"]), total=int(s["resolve_targeted"]))
    if g not in (GroupBy.DAY, GroupBy.WEEK, GroupBy.MONTH):
        for k, n in (await rollup.backlog(session, plan, where, keyed, p.end)).items():
            rows.setdefault(k, StatsRow(key=k)).backlog = n
    await _percentiles(session, q, where, plan, keyed, rows, exact_up_to)
    return _ordered(g, rows)


async def _percentiles(session: AsyncSession, q: StatsQuery, where: list[ColumnElement[bool]],
                       plan: rollup.Plan, keyed: rollup.Keyed, rows: dict[Any, StatsRow],
                       exact_up_to: int) -> None:
    dialect = session.get_bind().dialect.name
    p = q.period
    kinds = {"take": (Ticket.taken_at, Ticket.take_business_seconds, Ticket.take_target_seconds),
             "resolve": (Ticket.resolved_at, Ticket.resolve_business_seconds, Ticket.resolve_target_seconds)}
    estimated = [kind for kind in kinds if plan.histograms and sum(
        getattr(r, f"{kind}_business").count + getattr(r, f"{kind}_wall").count
        for r in rows.values()) > exact_up_to]
    histograms = (await rollup.histograms(session, plan, where, keyed, p.start, p.end, _spans(q.group_by))
                  if estimated else {})
    for kind, (stamp, business, target) in kinds.items():
        if kind in estimated:
            for r in rows.values():
                for clock in ("business", "wall"):
                    name = f"{kind}_{clock}"
                    d: Durations = getattr(r, name)
                    if d.count:
                        buckets = histograms.get((r.key, name), [])
                        setattr(r, name, Durations(
                            count=d.count, mean=d.mean, estimated=True,
                            median=_float(rollup.percentile(buckets, 0.5)),
                            p90=_float(rollup.percentile(buckets, 0.9))))
            continue
        exact = await _instant_figures(
            session, dialect, _key(dialect, q.group_by, stamp), [*where, _within(stamp, p)],
            business=business, wall=figures_sql.seconds_between(dialect, stamp, Ticket.created_at),
            target=target, spent=business)
        for k, (_, b, w, _) in exact.items():
            if k in rows:
                r = rows[k]
                for name, found in ((f"{kind}_business", b), (f"{kind}_wall", w)):
                    d = getattr(r, name)
                    setattr(r, name, Durations(count=d.count, mean=d.mean, median=found.median, p90=found.p90))


async def _rolled_or_live_sums(session: AsyncSession, q: StatsQuery, where: list[ColumnElement[bool]],
                               g: GroupBy) -> dict[Any, dict[str, float]] | None:
    plan = await rollup.plan(session, where, ENTITY_NAMES.get(g))
    if plan is None:
        return None
    dialect = session.get_bind().dialect.name
    return await rollup.summed(session, plan, where, _keyed(dialect, g), q.period.start, q.period.end)
