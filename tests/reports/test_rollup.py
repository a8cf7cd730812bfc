"""The roll-up path of `stats` against the live tables, on seeded random tickets, both databases.

Every figure of every grouping, for a group admin, a school manager and an expert, over periods
that start and end inside days (and in another zone than UTC), must be what the live tables
alone answer (the roll-up state removed in a savepoint); and it must stay so after changes that
touch rolled-up days (moves between schools and places, reopenings, late resolutions,
rejections, escalations added and removed, a ticket inserted in the past) before the job runs
again, and after it has.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import asdict
from typing import Any

import pytest
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.catalog.models import Priority, Service, SubService
from server.identity.models import ExpertDesignation, User
from server.reports import rollup
from server.reports.models import stats_day, stats_dirty_day, stats_rollup_state
from server.reports.stats import (GroupBy, Period, StatsQuery, backlog_by_expert, stats_rows,
                                  top_sub_services_by_resolve_time, top_sub_services_by_volume)
from server.sla.models import SlaLevel, SlaTarget, TicketEscalation
from server.tickets.listing import TicketFilter, where_visible
from server.tickets.models import Ticket
from server.tickets.workflow import TicketState
from tests.support.principals import principal

ADMIN, LYON_MANAGER, EXPERT = "valentine.orsembaud", "bastien.fauvrelle", "ismael.grandcourtois"
UTC = dt.UTC
PARIS = dt.timezone(dt.timedelta(hours=1))
START = dt.datetime(2021, 1, 1, tzinfo=UTC)
PERIODS = [
    Period(dt.datetime(2021, 1, 10, 8, 30, tzinfo=PARIS), dt.datetime(2021, 3, 20, 15, 0, tzinfo=UTC)),
    Period(dt.datetime(2020, 12, 1, tzinfo=UTC), dt.datetime(2021, 6, 1, tzinfo=UTC)),
]
DONE = [TicketState.CLOSED, TicketState.RESOLVED, TicketState.IN_PROGRESS, TicketState.ASSIGNED,
        TicketState.NEW, TicketState.REJECTED]


async def _load(session: AsyncSession, rng: random.Random, count: int) -> list[int]:
    """`count` tickets over January to March 2021: random schools, places (some covered by the
    expert), priorities, assignees, states, instants, business seconds and targets."""
    places = (await session.execute(select(SubService.id, SubService.service_id, Service.brick_id)
                                    .join(Service, Service.id == SubService.service_id))).all()
    schools = list((await session.execute(
        select(User.tenant_id, func.min(User.id)).group_by(User.tenant_id))).all())
    experts = list((await session.scalars(select(ExpertDesignation.user_id).distinct())).all())
    ids = []
    for n in range(count):
        school, opener = rng.choice(schools)
        sub, service, brick = rng.choice(places)
        state = rng.choice(DONE)
        created = START + dt.timedelta(seconds=rng.randrange(0, 89 * 86400))
        taken = created + dt.timedelta(seconds=rng.randrange(60, 5 * 86400)) if state not in (
            TicketState.NEW, TicketState.REJECTED) else None
        resolved = taken + dt.timedelta(seconds=rng.randrange(60, 9 * 86400)) if taken and state in (
            TicketState.CLOSED, TicketState.RESOLVED) else None
        closed = resolved + dt.timedelta(days=2) if resolved and state is TicketState.CLOSED else None
        updated = max(x for x in (created, taken, resolved, closed) if x) + dt.timedelta(hours=1)
        targeted = rng.random() < 0.7
        ids.append((await session.execute(insert(Ticket).values(
            ref=f"GRP-2021-{800000 + n}", tenant_id=school, opened_by_id=opener, sub_service_id=sub,
            service_id=service, brick_id=brick, title=f"random {n}",
            priority=rng.choice(list(Priority)), state=state, created_at=created, updated_at=updated,
            taken_at=taken, take_business_seconds=rng.randrange(0, 40000) if taken else None,
            resolved_at=resolved, resolve_business_seconds=rng.randrange(0, 200000) if resolved else None,
            closed_at=closed, take_target_seconds=14400 if targeted else None,
            resolve_target_seconds=81000 if targeted else None,
            assignee_id=rng.choice(experts) if taken else None, assigned_at=taken,
        ).returning(Ticket.id))).scalar_one())
        if taken and rng.random() < 0.3:
            await _escalate(session, ids[-1], created + dt.timedelta(seconds=rng.randrange(0, 86400 * 3)))
    return ids


async def _escalate(session: AsyncSession, ticket: int, at: dt.datetime) -> None:
    await session.execute(insert(TicketEscalation).values(
        ticket_id=ticket, target=SlaTarget.TAKE, level=SlaLevel.BREACHED,
        elapsed_business_seconds=3600.0, due_at=at, created_at=at))


def _queries(viewers: dict[str, Any]) -> list[StatsQuery]:
    return [StatsQuery(viewer=v, period=p, group_by=g) for v in viewers.values() for p in PERIODS
            for g in GroupBy]


async def _answers(session: AsyncSession, queries: list[StatsQuery], **kw: Any) -> list[Any]:
    found: list[Any] = []
    for q in queries:
        found.append([asdict(r) for r in await stats_rows(session, q, **kw)])
        if q.group_by is GroupBy.NONE:
            found.append([(r.key, r.value) for r in await top_sub_services_by_volume(session, q)])
            found.append([(r.key, r.value) for r in await top_sub_services_by_resolve_time(session, q)])
            found.append([(r.key, r.value) for r in await backlog_by_expert(session, q)])
    return found


async def _live(session: AsyncSession, queries: list[StatsQuery]) -> list[Any]:
    """The answers with the roll-up forgotten (in a savepoint rolled back): the live tables'."""
    savepoint = await session.begin_nested()
    await session.execute(delete(stats_rollup_state))
    try:
        return await _answers(session, queries)
    finally:
        await savepoint.rollback()


def _same(rolled: Any, live: Any, path: str = "") -> None:
    """Equal, but for means summed in another order (floating point: last decimal)."""
    if isinstance(live, float) and isinstance(rolled, float):
        assert rolled == pytest.approx(live, abs=0.002), path
    elif isinstance(live, dict | list | tuple):
        assert type(rolled) is type(live) and len(rolled) == len(live), (path, rolled, live)
        for k, (a, b) in enumerate(zip(rolled.values(), live.values(), strict=True) if isinstance(live, dict)
                                   else zip(rolled, live, strict=True)):
            _same(a, b, f"{path}/{list(live)[k] if isinstance(live, dict) else k}")
    else:
        assert rolled == live, (path, rolled, live)


@pytest.fixture
async def viewers(session: AsyncSession) -> dict[str, Any]:
    return {name: await principal(session, name) for name in (ADMIN, LYON_MANAGER, EXPERT)}


@pytest.mark.long
async def test_the_roll_up_answers_what_the_live_tables_answer(session: AsyncSession,
                                                               viewers: dict[str, Any]) -> None:
    rng = random.Random(13)
    ids = await _load(session, rng, 160)
    queries = _queries(viewers)
    run = await rollup.roll_up(session, today=dt.date(2021, 3, 15), max_days=400)
    assert run.rolled_until == dt.date(2021, 3, 15) and run.added > 60
    assert await session.scalar(select(func.count()).select_from(stats_day)) > 0
    live = await _live(session, queries)
    _same(await _answers(session, queries), live)
    # Not a vacuous comparison: the roll-up is read, and visibility narrows the answers.
    opened = {}
    for who, viewer in viewers.items():
        [total] = await stats_rows(session, StatsQuery(viewer=viewer, period=PERIODS[1]))
        opened[who] = total.opened
        where = await where_visible(session, viewer=viewer, filter=TicketFilter())
        assert await rollup.plan(session, where, None) is not None
    assert opened[ADMIN] == 160 and 0 < opened[LYON_MANAGER] < 160 and 0 < opened[EXPERT] < 160

    # Changes to rolled-up days, as any writer would make them.
    moved, reopened, late, rejected = ids[:5], ids[5:10], ids[10:15], ids[15:20]
    other_school = (await session.execute(select(Ticket.tenant_id).where(Ticket.id == ids[-1]))).scalar_one()
    for t in moved:
        place = (await session.execute(select(Ticket.sub_service_id, Ticket.service_id, Ticket.brick_id)
                                       .where(Ticket.id == ids[-2]))).one()
        await session.execute(update(Ticket).where(Ticket.id == t).values(
            tenant_id=other_school, sub_service_id=place[0], service_id=place[1], brick_id=place[2],
            priority=Priority.CRITICAL))
    await session.execute(update(Ticket).where(Ticket.id.in_(reopened)).values(
        state=TicketState.IN_PROGRESS, resolved_at=None, resolve_business_seconds=None, closed_at=None))
    await session.execute(update(Ticket).where(Ticket.id.in_(late), Ticket.taken_at.is_not(None)).values(
        state=TicketState.RESOLVED, resolved_at=dt.datetime(2021, 3, 1, 9, tzinfo=UTC),
        resolve_business_seconds=5000, closed_at=None))
    await session.execute(update(Ticket).where(Ticket.id.in_(rejected)).values(
        state=TicketState.REJECTED, updated_at=dt.datetime(2021, 2, 14, 10, tzinfo=UTC)))
    await _escalate(session, ids[30], dt.datetime(2021, 2, 2, 2, tzinfo=UTC))
    await session.execute(delete(TicketEscalation).where(TicketEscalation.ticket_id.in_(ids[40:80])))
    [(sub, service, brick)] = (await session.execute(
        select(Ticket.sub_service_id, Ticket.service_id, Ticket.brick_id).where(Ticket.id == ids[0]))).all()
    await session.execute(insert(Ticket).values(
        ref="GRP-2021-899999", tenant_id=other_school, opened_by_id=(await session.scalar(
            select(Ticket.opened_by_id).where(Ticket.id == ids[-1]))), sub_service_id=sub,
        service_id=service, brick_id=brick, title="late import", priority=Priority.LOW,
        state=TicketState.NEW, created_at=dt.datetime(2021, 1, 20, tzinfo=UTC),
        updated_at=dt.datetime(2021, 1, 20, tzinfo=UTC)))
    dirty = set((await session.scalars(select(stats_dirty_day.c.day))).all())
    assert {dt.date(2021, 3, 1), dt.date(2021, 2, 14), dt.date(2021, 2, 2), dt.date(2021, 1, 20)} <= dirty

    changed = await _live(session, queries)
    assert changed != live
    _same(await _answers(session, queries), changed)

    again = await rollup.roll_up(session, today=dt.date(2021, 3, 25))
    assert again.rebuilt and again.added == 10
    assert await session.scalar(select(func.count()).select_from(stats_dirty_day)) == 0
    _same(await _answers(session, queries), changed)
    # Idempotent: a second run finds nothing to do.
    assert (await rollup.roll_up(session, today=dt.date(2021, 3, 25))).added == 0


async def test_large_sets_estimate_percentiles_within_the_bound(session: AsyncSession,
                                                                viewers: dict[str, Any]) -> None:
    await _load(session, random.Random(16), 120)
    await rollup.roll_up(session, today=dt.date(2021, 3, 15), max_days=400)
    for g in (GroupBy.NONE, GroupBy.SCHOOL, GroupBy.WEEK):
        q = StatsQuery(viewer=viewers[ADMIN], period=PERIODS[0], group_by=g)
        exact = await stats_rows(session, q)
        estimated = await stats_rows(session, q, exact_up_to=0)
        assert [r.key for r in exact] == [r.key for r in estimated]
        for e, x in zip(estimated, exact, strict=True):
            assert (e.opened, e.resolved, e.backlog, e.take_compliance) == (x.opened, x.resolved, x.backlog,
                                                                             x.take_compliance)
            for name in ("take_business", "take_wall", "resolve_business", "resolve_wall"):
                d, truth = getattr(e, name), getattr(x, name)
                assert (d.count, d.mean, d.estimated, truth.estimated) == (
                    truth.count, truth.mean, bool(truth.count), False)
                for got, want in ((d.median, truth.median), (d.p90, truth.p90)):
                    if want is None:
                        assert got is None
                    else:
                        assert got == pytest.approx(want, rel=rollup.RELATIVE_ERROR, abs=0.001)


async def test_grains_without_histograms_keep_exact_percentiles(session: AsyncSession,
                                                                viewers: dict[str, Any]) -> None:
    await _load(session, random.Random(17), 60)
    await rollup.roll_up(session, today=dt.date(2021, 3, 15), max_days=400)
    q = StatsQuery(viewer=viewers[LYON_MANAGER], period=PERIODS[1])
    where = await where_visible(session, viewer=viewers[LYON_MANAGER], filter=TicketFilter())
    plan = await rollup.plan(session, where, None)
    assert plan is not None and not plan.histograms
    assert await stats_rows(session, q, exact_up_to=0) == await stats_rows(session, q)


def test_percentile_estimates_interpolate_like_percentile_cont() -> None:
    def bucket(v: float) -> int:
        import math
        return int(math.floor(math.log(v) / math.log(rollup.BUCKET_RATIO)))

    values = [1800, 3600, 7200, 14400]
    buckets = sorted((b, values.count(v)) for v, b in {v: bucket(v) for v in values}.items())
    # percentile_cont: median 5400, p90 12240 (tests/reports/test_stats.py).
    assert rollup.percentile(buckets, 0.5) == pytest.approx(5400, rel=rollup.RELATIVE_ERROR)
    assert rollup.percentile(buckets, 0.9) == pytest.approx(12240, rel=rollup.RELATIVE_ERROR)
    assert rollup.percentile([], 0.5) is None
    assert rollup.percentile([(rollup.ZERO_BUCKET, 3)], 0.9) == 0.0
