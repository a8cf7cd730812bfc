"""CSV exports parsed back: the same tickets and figures as GraphQL, only the caller's school's."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

from tests.reports.known_tickets import MARCH, load_known_tickets

ADMIN, LYON_MANAGER, RENNES_MANAGER = "valentine.orsembaud", "bastien.fauvrelle", "elodie.penhoaz"
MARCH_Q = {"createdAfter": "2020-02-01T00:00:00+00:00", "createdBefore": "2020-04-01T00:00:00+00:00"}


async def _csv(client: httpx.AsyncClient, token_for: Any, path: str, username: str,
               params: dict[str, Any]) -> list[dict[str, str]]:
    response = await client.get(path, params=params, headers={"Authorization": f"Bearer {token_for(username)}"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf"), "a spreadsheet needs the BOM to read accents"
    text = response.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text), delimiter=params.get("sep", ",")))


async def test_ticket_export_holds_the_graphql_list(session: AsyncSession, client: httpx.AsyncClient,
                                                    token_for: Any, gql: Any) -> None:
    await load_known_tickets(session)
    rows = await _csv(client, token_for, "/exports/tickets.csv", LYON_MANAGER, {**MARCH_Q, "sep": ";"})
    data = await gql("""query($after: DateTime, $before: DateTime) {
        tickets(first: 100, filter: {createdAfter: $after, createdBefore: $before}) {
          edges { node { ref title state priority school { name } } } } }""",
                     {"after": MARCH_Q["createdAfter"], "before": MARCH_Q["createdBefore"]}, as_user=LYON_MANAGER)
    listed = [e["node"] for e in data["tickets"]["edges"]]
    assert [(r["ref"], r["title"], r["state"], r["priority"], r["school"]) for r in rows] == [
        (t["ref"], t["title"], t["state"], t["priority"], t["school"]["name"]) for t in listed]
    assert {r["title"] for r in rows} == {"T1", "T2", "T3", "T4", "T5"}
    assert {r["school"] for r in rows} == {"INSA Lyon"}, "Rennes' tickets never appear"


async def test_ticket_export_filters_like_the_list(session: AsyncSession, client: httpx.AsyncClient,
                                                   token_for: Any) -> None:
    known = await load_known_tickets(session)
    lyon = relay.to_base64("Tenant", known.lyon)
    params = {**MARCH_Q, "schoolIds": lyon, "states": "RESOLVED,CLOSED"}
    rows = await _csv(client, token_for, "/exports/tickets.csv", ADMIN, params)
    assert sorted(r["title"] for r in rows) == ["T1", "T2", "T5"]
    # A Rennes manager naming Lyon in the filter gets an empty export, not Lyon's rows.
    assert await _csv(client, token_for, "/exports/tickets.csv", RENNES_MANAGER, params) == []


async def test_stats_export_holds_the_graphql_groups(session: AsyncSession, client: httpx.AsyncClient,
                                                     token_for: Any, gql: Any) -> None:
    await load_known_tickets(session)
    period = {"start": MARCH[0].isoformat(), "end": MARCH[1].isoformat()}
    rows = await _csv(client, token_for, "/exports/stats.csv", ADMIN, {**period, "groupBy": "SCHOOL"})
    data = await gql("""query($period: StatsPeriod!) { stats(period: $period, groupBy: SCHOOL) {
        ... on Stats { groups { key label opened resolved backlog
          timeToResolve { wallClockSeconds { mean median p90 } } resolveCompliance { rate } } } } }""",
                     {"period": period}, as_user=ADMIN)
    groups = data["stats"]["groups"]
    assert [(r["key"], r["label"], int(r["opened"]), int(r["resolved"]), int(r["backlog"]),
             float(r["resolve_wall_mean"]), float(r["resolve_wall_p90"])) for r in rows] == [
        (g["key"], g["label"], g["opened"], g["resolved"], g["backlog"],
         g["timeToResolve"]["wallClockSeconds"]["mean"], g["timeToResolve"]["wallClockSeconds"]["p90"])
        for g in groups]
    # Rennes' manager: Rennes' row only.
    theirs = await _csv(client, token_for, "/exports/stats.csv", RENNES_MANAGER,
                        {**period, "groupBy": "SCHOOL", "sep": ";"})
    assert [r["label"] for r in theirs] == ["INSA Rennes"]


async def test_exports_refuse_like_graphql(session: AsyncSession, client: httpx.AsyncClient, token_for: Any) -> None:
    await load_known_tickets(session)
    anonymous = await client.get("/exports/tickets.csv")
    assert anonymous.status_code == 401 and anonymous.headers["www-authenticate"] == "Bearer"
    forged = await client.get("/exports/tickets.csv", headers={"Authorization": "Bearer forged"})
    assert forged.status_code == 401
    agent = {"Authorization": f"Bearer {token_for('amandine.roclerc')}"}
    refused = await client.get("/exports/stats.csv", params={"start": "2020-03-01T00:00:00Z",
                                                             "end": "2020-04-01T00:00:00Z"}, headers=agent)
    assert refused.status_code == 403
    admin = {"Authorization": f"Bearer {token_for(ADMIN)}"}
    bad = await client.get("/exports/tickets.csv", params={"states": "LOST"}, headers=admin)
    assert bad.status_code == 400 and bad.json()["fields"][0]["field"] == "states"
    naive = await client.get("/exports/stats.csv", params={"start": "2020-03-01T00:00:00",
                                                           "end": "2020-04-01T00:00:00Z"}, headers=admin)
    assert naive.status_code == 400 and naive.json()["fields"][0]["field"] == "period.start"
