"""Types of a `stats` answer: groups of figures, durations, compliance rates and top lists."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry import relay

from schema.context import Info
from server.reports import labels as names
from server.reports import stats
from server.reports.stats import GroupBy, StatsQuery

StatsGroupBy = strawberry.enum(GroupBy, name="StatsGroupBy", description=(
    "What stats are split by. DAY, WEEK (from Monday) and MONTH are UTC buckets, each figure "
    "bucketed on its own instant (opened on creation, resolved on resolution...)."))

def key_of(group_by: GroupBy, key: Any) -> str | None:
    """A group's key as the API gives it: a global id, a priority, or a bucket's first day."""
    if key is None:
        return None
    if group_by in names.NODE_TYPES:
        return relay.to_base64(names.NODE_TYPES[group_by], key)
    return str(key)

@strawberry.type(description="Seconds: how many values, their mean, median and 90th percentile "
                             "(null without values).")
class Durations:
    count: int
    mean: float | None
    median: float | None
    p90: float | None
    percentiles_are_estimates: bool = strawberry.field(description=(
        "True when median and p90 are estimated (within 1%) from the daily roll-up's histograms, "
        "as for sets of more than 10,000 durations; count and mean are always exact."))

    @classmethod
    def of(cls, d: stats.Durations) -> Durations:
        return cls(count=d.count, mean=d.mean, median=d.median, p90=d.p90,
                   percentiles_are_estimates=d.estimated)

@strawberry.type(description="A handling time in business seconds (the SLA calendar's opening "
                             "hours) and in wall-clock seconds.")
class HandlingTime:
    business_seconds: Durations
    wall_clock_seconds: Durations

@strawberry.type(description="Tickets whose SLA target was met, out of those that had one; "
                             "rate is met / total, null when none had a target.")
class Compliance:
    met: int
    total: int
    rate: float | None

    @classmethod
    def of(cls, c: stats.Compliance) -> Compliance:
        return cls(met=c.met, total=c.total, rate=c.rate)

@strawberry.type(description="The figures of one group (or of the whole answer: `total`).")
class StatsGroup:
    key: str | None = strawberry.field(description=(
        "The group: a global id (brick, service, sub-service, school, expert), a priority, or "
        "the bucket's first day (YYYY-MM-DD); null for the total, or nobody when by EXPERT."))
    label: str | None = strawberry.field(description="The group's name.")
    opened: int
    resolved: int
    closed: int
    rejected: int
    backlog: int = strawberry.field(description=(
        "Tickets open at the period's end (0 in a time grouping: see the total)."))
    escalations: int = strawberry.field(description="SLA thresholds crossed in the period.")
    time_to_take: HandlingTime = strawberry.field(description="Of tickets taken in the period.")
    time_to_resolve: HandlingTime = strawberry.field(description="Of tickets resolved in the period.")
    take_compliance: Compliance
    resolve_compliance: Compliance

    @classmethod
    def of(cls, group_by: GroupBy, row: stats.StatsRow, label: str | None) -> StatsGroup:
        return cls(key=key_of(group_by, row.key), label=label, opened=row.opened,
                   resolved=row.resolved, closed=row.closed, rejected=row.rejected,
                   backlog=row.backlog, escalations=row.escalations,
                   time_to_take=HandlingTime(business_seconds=Durations.of(row.take_business),
                                             wall_clock_seconds=Durations.of(row.take_wall)),
                   time_to_resolve=HandlingTime(
                       business_seconds=Durations.of(row.resolve_business),
                       wall_clock_seconds=Durations.of(row.resolve_wall)),
                   take_compliance=Compliance.of(row.take_compliance),
                   resolve_compliance=Compliance.of(row.resolve_compliance))

@strawberry.type(description="One entry of a top list: what, its name, and its figure.")
class StatsRank:
    key: str | None
    label: str | None
    value: float

async def _ranked(info: Info, group_by: GroupBy, found: list[stats.Ranked]) -> list[StatsRank]:
    named = await names.labels(info.context.session, group_by, [r.key for r in found])
    return [StatsRank(key=key_of(group_by, r.key), label=named.get(r.key), value=r.value)
            for r in found]

@strawberry.type(description="Figures of the tickets the caller sees (the same as `tickets` "
                             "lists), over a period. Each field runs its own SQL: ask for what "
                             "the dashboard shows.")
class Stats:
    query: strawberry.Private[StatsQuery]

    @strawberry.field(description="The figures of the whole answer.")
    async def total(self, info: Info) -> StatsGroup:
        whole = StatsQuery(viewer=self.query.viewer, period=self.query.period,
                           filter=self.query.filter)
        [row] = await stats.stats_rows(info.context.session, whole)
        return StatsGroup.of(GroupBy.NONE, row, None)

    @strawberry.field(description="The figures per group, by key.")
    async def groups(self, info: Info) -> list[StatsGroup]:
        rows = await stats.stats_rows(info.context.session, self.query)
        named = await names.labels(info.context.session, self.query.group_by, [r.key for r in rows])
        return [StatsGroup.of(self.query.group_by, r, named.get(r.key)) for r in rows]

    @strawberry.field(description="The ten sub-services with the most tickets opened in the "
                                  "period (value: tickets).")
    async def top_sub_services_by_volume(self, info: Info) -> list[StatsRank]:
        found = await stats.top_sub_services_by_volume(info.context.session, self.query)
        return await _ranked(info, GroupBy.SUB_SERVICE, found)

    @strawberry.field(description="The ten sub-services with the longest mean business time to "
                                  "resolve in the period (value: seconds).")
    async def top_sub_services_by_resolve_time(self, info: Info) -> list[StatsRank]:
        found = await stats.top_sub_services_by_resolve_time(info.context.session, self.query)
        return await _ranked(info, GroupBy.SUB_SERVICE, found)

    @strawberry.field(description="Tickets open at the period's end per assignee (key null: "
                                  "nobody yet), most first.")
    async def backlog_by_expert(self, info: Info) -> list[StatsRank]:
        found = await stats.backlog_by_expert(info.context.session, self.query)
        return await _ranked(info, GroupBy.EXPERT, found)
