"""`stats` against the hand-computed fixture (tests/reports/known_tickets.py), on both databases."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.errors import PermissionDenied, ValidationFailed
from server.reports.models import stats_rollup_state
from server.reports.rollup import roll_up
from server.reports.stats import GroupBy, Period, StatsQuery, backlog_by_expert, stats_rows
from server.reports.stats import top_sub_services_by_resolve_time, top_sub_services_by_volume
from server.tickets.listing import TicketFilter
from tests.reports.known_tickets import FIRST_WEEK, MARCH, Known, load_known_tickets
from tests.support.principals import principal

ADMIN, LYON_MANAGER, RENNES_MANAGER = "valentine.orsembaud", "bastien.fauvrelle", "elodie.penhoaz"


# Each hand-computed answer is checked three ways: from the live tables alone, with the roll-up
# holding the days before 5 March 2020 (March read partly from it, partly live), and with every
# day of 2020 rolled up (March read from the roll-up alone).
ROLLED_UNTIL = {"live": None, "rolled-to-march-5": dt.date(2020, 3, 5), "rolled": dt.date(2021, 1, 1)}


@pytest.fixture(params=list(ROLLED_UNTIL))
async def known(request: pytest.FixtureRequest, session: AsyncSession) -> Known:
    loaded = await load_known_tickets(session)
    today = ROLLED_UNTIL[request.param]
    if today is not None:
        await roll_up(session, today=today, max_days=400)
        assert await session.scalar(select(stats_rollup_state.c.rolled_until)) == today
    return loaded


async def _rows(session: AsyncSession, username: str, group_by: GroupBy = GroupBy.NONE,
                period: tuple = MARCH, **filter: object) -> list:
    q = StatsQuery(viewer=await principal(session, username), period=Period(*period),
                   filter=TicketFilter(**filter), group_by=group_by)  # type: ignore[arg-type]
    return await stats_rows(session, q)


async def test_group_admin_totals_match_the_hand_computed_figures(session: AsyncSession, known: Known) -> None:
    [total] = await _rows(session, ADMIN)
    # Opened in March: T1 T2 T3 T4 T6 T7 (T5 in February); resolved: T1 T2 T5 T6; closed: T1;
    # rejected: T4; open on 1 April: T3 and T7; one escalation (T3's take).
    assert (total.opened, total.resolved, total.closed, total.rejected, total.backlog,
            total.escalations) == (6, 4, 1, 1, 2, 1)
    # Taken in March: 1800, 3600, 7200, 14400 s. Mean 6750; median between the 2nd and 3rd
    # values (rank 1.5): 5400; p90 at rank 2.7: 7200 + 0.7 * 7200 = 12240.
    for taken in (total.take_wall, total.take_business):
        assert (taken.count, taken.mean, taken.median, taken.p90) == (4, 6750, 5400, 12240)
    # Resolved in March, wall clock: 5400, 14400, 86400, 1296000 (T5: fifteen days).
    # Mean 350550; median 14400 + 0.5 * 72000 = 50400; p90 86400 + 0.7 * 1209600 = 933120.
    wall = total.resolve_wall
    assert (wall.count, wall.mean, wall.median, wall.p90) == (4, 350550, 50400, 933120)
    # Business: 5400, 14400, 32400, 100000: mean 38050, median 23400, p90 32400 + 0.7 * 67600.
    business = total.resolve_business
    assert (business.count, business.mean, business.median, business.p90) == (4, 38050, 23400, 79720)
    # Take: T3 missed its hour. Resolve: T2 missed 30000 s, T5 had no target.
    assert (total.take_compliance.met, total.take_compliance.total) == (3, 4)
    assert (total.resolve_compliance.met, total.resolve_compliance.total) == (2, 3)
    assert total.resolve_compliance.rate == pytest.approx(2 / 3)


async def test_a_school_manager_counts_their_school_only(session: AsyncSession, known: Known) -> None:
    [lyon] = await _rows(session, LYON_MANAGER)
    assert (lyon.opened, lyon.resolved, lyon.backlog, lyon.escalations) == (4, 3, 1, 1)
    [rennes] = await _rows(session, RENNES_MANAGER)
    assert (rennes.opened, rennes.resolved, rennes.backlog, rennes.escalations) == (2, 1, 1, 0)
    assert rennes.resolve_wall.mean == 5400
    # Asking for Lyon's tickets by filter does not widen what Rennes sees.
    [asked] = await _rows(session, RENNES_MANAGER, tenant_ids=frozenset({known.lyon}))
    assert (asked.opened, asked.resolved, asked.backlog) == (0, 0, 0)


async def test_groups_by_school_priority_and_week(session: AsyncSession, known: Known) -> None:
    by_school = {r.key: r for r in await _rows(session, ADMIN, GroupBy.SCHOOL)}
    assert {k: r.opened for k, r in by_school.items()} == {known.lyon: 4, known.rennes: 2}
    by_priority = {r.key: r.opened for r in await _rows(session, ADMIN, GroupBy.PRIORITY)}
    assert by_priority == {"HIGH": 1, "LOW": 1, "NORMAL": 4}
    # Weeks start on Monday: 2 March holds T1 T2 T6 T7 opened and T1 T2 T5 T6 resolved.
    by_week = {r.key: (r.opened, r.resolved) for r in await _rows(session, ADMIN, GroupBy.WEEK)}
    assert by_week == {"2020-03-02": (4, 4), "2020-03-09": (1, 0), "2020-03-16": (1, 0)}
    by_day = {r.key: r.opened for r in await _rows(session, ADMIN, GroupBy.DAY)}
    assert by_day["2020-03-02"] == 1 and sum(by_day.values()) == 6
    by_month = {r.key: r.opened for r in await _rows(session, ADMIN, GroupBy.MONTH)}
    assert by_month == {"2020-03-01": 6}
    by_expert = {r.key: r.resolved for r in await _rows(session, ADMIN, GroupBy.EXPERT)}
    assert by_expert == {known.lyon_expert: 3, known.rennes_expert: 1, None: 0}


async def test_top_lists_and_backlog_per_expert(session: AsyncSession, known: Known) -> None:
    q = StatsQuery(viewer=await principal(session, ADMIN), period=Period(*MARCH))
    volume = await top_sub_services_by_volume(session, q)
    assert [(r.key, r.value) for r in volume][:1] == [(known.creation, 4.0)]
    assert {(r.key, r.value) for r in volume[1:]} == {(known.failure, 1.0), (known.elsewhere, 1.0)}
    # Account creation resolved T1 T2 T5 T6: (14400 + 32400 + 100000 + 5400) / 4 business s.
    slowest = await top_sub_services_by_resolve_time(session, q)
    assert [(r.key, r.value) for r in slowest] == [(known.creation, 38050.0)]
    backlog = await backlog_by_expert(session, q)
    assert {(r.key, r.value) for r in backlog} == {(known.lyon_expert, 1.0), (None, 1.0)}


async def test_school_agents_and_operations_get_no_figures(session: AsyncSession, known: Known) -> None:
    for username in ("amandine.roclerc", "xaviere.lamboulin", "itop.insa-lyon"):
        with pytest.raises(PermissionDenied):
            await _rows(session, username)


async def test_a_period_must_be_ordered_and_zoned(session: AsyncSession, known: Known) -> None:
    with pytest.raises(ValidationFailed) as refused:
        await _rows(session, ADMIN, period=(MARCH[1], MARCH[0]))
    assert [e.field for e in refused.value.errors] == ["period.end"]
    with pytest.raises(ValidationFailed):
        await _rows(session, ADMIN, period=(FIRST_WEEK[0].replace(tzinfo=None), FIRST_WEEK[1]))


async def test_an_expert_counts_what_their_designations_cover(session: AsyncSession, known: Known) -> None:
    # Rouen's expert covers Scenari's account management and publication failures: T1 to T6 but
    # T5 (opened in February) are opened in March, T7 (another brick) is not theirs.
    [covered] = await _rows(session, "ismael.grandcourtois")
    assert (covered.opened, covered.resolved, covered.backlog, covered.escalations) == (5, 4, 1, 1)
