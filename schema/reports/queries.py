"""The `stats` root field: dashboard figures over the caller's tickets, or a typed refusal."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry

from schema.context import Info
from schema.errors import BadInput, PermissionDenied
from schema.reports.types import Stats, StatsGroupBy
from schema.tickets.lists import TicketFilter
from schema.tickets.lists import _filter as domain_filter
from server import errors as domain
from server.reports import stats

StatsResult = Annotated[Stats | PermissionDenied, strawberry.union("StatsResult")]


@strawberry.input(description="The period figures are counted in: start included, end excluded.")
class StatsPeriod:
    start: dt.datetime
    end: dt.datetime


@strawberry.type
class StatsQuery:
    @strawberry.field(description=(
        "Volumes, handling times, SLA compliance and escalations of the tickets the caller sees "
        "(as `tickets` lists them), filtered, in a period, split by `groupBy`. Group admins, "
        "school managers and experts; others get PermissionDenied."))
    async def stats(self, info: Info, period: StatsPeriod, filter: TicketFilter | None = None,
                    group_by: StatsGroupBy = stats.GroupBy.NONE) -> StatsResult:
        ctx = info.context
        try:
            q = stats.StatsQuery(viewer=ctx.viewer, period=stats.Period(period.start, period.end),
                                 filter=domain_filter(filter, ctx.settings.max_filter_values),
                                 group_by=stats.GroupBy(group_by))
            return Stats(query=await stats.checked(ctx.session, q))
        except domain.PermissionDenied as exc:
            return PermissionDenied(message=exc.message)
        except domain.GroupdeskError as exc:
            raise BadInput(exc) from None
