"""What the API shows of service levels: a ticket's clock read now, and a sub-service's estimated
delay, the business time a school can expect before an expert takes a new ticket.

The estimated delay is the median take time of the sub-service's tickets taken in the last
RECENT_DAYS days, once there are at least MIN_SAMPLE of them; before that, its take target at the
sub-service's default priority; with neither, unknown. The same rule gives the resolution delay.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.catalog.models import SubService
from server.sla import clocks
from server.sla.calendar import BusinessCalendar, add_business_seconds
from server.sla.models import ServiceLevelTarget
from server.tickets.models import SlaState, Ticket

RECENT_DAYS = 90
MIN_SAMPLE = 5


@dataclass(frozen=True, slots=True)
class TicketSla:
    """A ticket's clock at one instant."""

    take_due_at: dt.datetime | None
    resolve_due_at: dt.datetime | None
    elapsed_business_seconds: int
    state: SlaState
    running: bool


def ticket_sla(ticket: Ticket, calendar: BusinessCalendar, now: dt.datetime) -> TicketSla:
    """The clock read at `now`, between the follower's and the sweep's updates included."""
    elapsed = clocks.elapsed_at(ticket, calendar, now)
    state = max(clocks.state_of(clocks.measures(ticket, elapsed)), ticket.sla_state,
                key=list(SlaState).index)
    return TicketSla(take_due_at=ticket.take_due_at, resolve_due_at=ticket.resolve_due_at,
                     elapsed_business_seconds=round(elapsed), state=state,
                     running=ticket.sla_running_since is not None)


class DelayBasis(StrEnum):
    """Where an estimated delay comes from."""

    RECENT_MEDIAN = "RECENT_MEDIAN"
    TARGET = "TARGET"
    UNKNOWN = "UNKNOWN"


@dataclass(frozen=True, slots=True)
class EstimatedDelay:
    """Business seconds until take and until resolution a school can expect, and why."""

    take_business_seconds: int | None
    resolve_business_seconds: int | None
    basis: DelayBasis
    sample_size: int

    def taken_by(self, calendar: BusinessCalendar, now: dt.datetime) -> dt.datetime | None:
        """When a ticket opened now would be taken, on the school's calendar."""
        if self.take_business_seconds is None:
            return None
        return add_business_seconds(calendar, now, self.take_business_seconds)


async def estimated_delays(session: AsyncSession, sub_service_ids: Sequence[int], *,
                           now: dt.datetime) -> dict[int, EstimatedDelay]:
    """Each sub-service's estimated delay, in three statements whatever their number."""
    wanted = sorted(set(sub_service_ids))
    since = now - dt.timedelta(days=RECENT_DAYS)
    takes: dict[int, list[int]] = {i: [] for i in wanted}
    resolves: dict[int, list[int]] = {i: [] for i in wanted}
    rows = await session.execute(
        select(Ticket.sub_service_id, Ticket.take_business_seconds, Ticket.resolve_business_seconds)
        .where(Ticket.sub_service_id.in_(wanted), Ticket.taken_at >= since,
               Ticket.take_business_seconds.is_not(None)))
    for sub_service_id, take, resolve in rows:
        if take is None:
            continue
        takes[sub_service_id].append(take)
        if resolve is not None:
            resolves[sub_service_id].append(resolve)
    defaults = {sub_id: priority for sub_id, priority in await session.execute(
        select(SubService.id, SubService.default_priority).where(SubService.id.in_(wanted)))}
    targets = {(t.sub_service_id, t.priority): t for t in await session.scalars(
        select(ServiceLevelTarget).where(ServiceLevelTarget.sub_service_id.in_(wanted)))}
    found = {}
    for sub_service_id in wanted:
        default = defaults.get(sub_service_id)
        target = targets.get((sub_service_id, default)) if default is not None else None
        found[sub_service_id] = _estimate(takes[sub_service_id], resolves[sub_service_id], target)
    return found


def _estimate(takes: list[int], resolves: list[int],
              target: ServiceLevelTarget | None) -> EstimatedDelay:
    if len(takes) >= MIN_SAMPLE:
        return EstimatedDelay(_median(takes), _median(resolves) if len(resolves) >= MIN_SAMPLE
                              else (target.resolve_seconds if target else None),
                              DelayBasis.RECENT_MEDIAN, len(takes))
    if target is not None and (target.take_seconds or target.resolve_seconds):
        return EstimatedDelay(target.take_seconds, target.resolve_seconds, DelayBasis.TARGET, len(takes))
    return EstimatedDelay(None, None, DelayBasis.UNKNOWN, len(takes))


def _median(values: Iterable[int]) -> int:
    return round(statistics.median(values))
