"""The dashboard's three questions, each one `stats` query over GraphQL, on the known tickets."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

from tests.reports.known_tickets import FIRST_WEEK, MARCH, YEAR, load_known_tickets

ADMIN = "valentine.orsembaud"


def _period(bounds: tuple) -> dict[str, str]:
    return {"start": bounds[0].isoformat(), "end": bounds[1].isoformat()}


async def test_mean_time_to_resolve_scenari_tickets_last_month_per_school(session: AsyncSession, gql: Any) -> None:
    known = await load_known_tickets(session)
    data = await gql("""query($period: StatsPeriod!, $brick: ID!) {
        stats(period: $period, filter: {brickIds: [$brick]}, groupBy: SCHOOL) {
          ... on Stats { groups { key label timeToResolve { wallClockSeconds {
            mean count percentilesAreEstimates } } } } } }""",
                     {"period": _period(MARCH), "brick": relay.to_base64("Brick", known.scenari)},
                     as_user=ADMIN)
    means = {g["label"]: g["timeToResolve"]["wallClockSeconds"] for g in data["stats"]["groups"]}
    # Lyon: T1 14400, T2 86400, T5 1296000 s; Rennes: T6 5400 s (T7 is on another brick).
    # Four durations: medians exact from the tickets, whatever the roll-up holds.
    assert means == {"INSA Lyon": {"mean": 465600.0, "count": 3, "percentilesAreEstimates": False},
                     "INSA Rennes": {"mean": 5400.0, "count": 1, "percentilesAreEstimates": False}}
    keys = {g["key"] for g in data["stats"]["groups"]}
    assert keys == {relay.to_base64("Tenant", known.lyon), relay.to_base64("Tenant", known.rennes)}


async def test_sla_compliance_this_week(session: AsyncSession, gql: Any) -> None:
    await load_known_tickets(session)
    data = await gql("""query($period: StatsPeriod!) { stats(period: $period) { ... on Stats {
        total { takeCompliance { met total rate } resolveCompliance { met total rate } } } } }""",
                     {"period": _period(FIRST_WEEK)}, as_user=ADMIN)
    total = data["stats"]["total"]
    # Taken that week: T1 T2 T6, all in time. Resolved: T1 and T6 in time, T2 late, T5 no target.
    assert total["takeCompliance"] == {"met": 3, "total": 3, "rate": 1.0}
    assert total["resolveCompliance"]["met"] == 2 and total["resolveCompliance"]["total"] == 3


async def test_top_ten_sub_services_this_year(session: AsyncSession, gql: Any) -> None:
    known = await load_known_tickets(session)
    data = await gql("""query($period: StatsPeriod!) { stats(period: $period) { ... on Stats {
        topSubServicesByVolume { key label value } } } }""", {"period": _period(YEAR)}, as_user=ADMIN)
    top = data["stats"]["topSubServicesByVolume"]
    # 2020: Account creation T1 T2 T4 T5 T6; one each for Publication failure and T7's.
    assert top[0] == {"key": relay.to_base64("SubService", known.creation), "label": "Account creation",
                      "value": 5.0}
    assert sorted(t["value"] for t in top[1:]) == [1.0, 1.0]


async def test_a_school_agent_is_refused_and_a_bad_period_names_the_field(session: AsyncSession, gql: Any) -> None:
    await load_known_tickets(session)
    query = """query($period: StatsPeriod!) { stats(period: $period) {
        __typename ... on PermissionDenied { message } ... on Stats { total { opened } } } }"""
    refused = await gql(query, {"period": _period(MARCH)}, as_user="amandine.roclerc")
    assert refused["stats"]["__typename"] == "PermissionDenied"
    backwards = await gql(query, {"period": _period((MARCH[1], MARCH[0]))}, as_user=ADMIN, expect_errors=True)
    assert backwards["errors"][0]["extensions"]["fields"] == [
        {"field": "period.end", "message": "must be later than period.start"}]
