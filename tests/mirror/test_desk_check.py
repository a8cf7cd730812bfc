"""checkDesk: a group admin reaches a school's desk from the API and reads what works and what is wrong.

Over HTTP against the loopback iTop and GLPI fakes; each check is audited; nobody else may check.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from server.audit.models import AuditEvent
from tests.mirror.conftest import ADMIN, AGENT, glpi_desk, itop_desk
from tests.support.fake_glpi import FakeGlpi
from tests.support.slow_itop import SlowItop

CONFIGURE = """mutation($input: ConfigureDeskInput!) { configureDesk(input: $input) { __typename } }"""
CHECK = """mutation($id: ID!) { checkDesk(tenantId: $id) {
  __typename
  ... on DeskChecked { school { slug } desk { kind url } outcome ok reachable message detail }
  ... on ValidationFailed { fields { field message } }
  ... on Problem { message } } }"""
LYON_MANAGER = "bastien.fauvrelle"
RENNES_MANAGER = "elodie.penhoaz"


async def _tenants(gql: Any) -> dict[str, str]:
    return {t["slug"]: t["id"] for t in (await gql("{ tenants { id slug } }", as_user=ADMIN))["tenants"]}


async def _point_lyon_at(gql: Any, desk: dict[str, Any]) -> str:
    """Configure Lyon's desk through the API, as the console does; Lyon's id."""
    lyon = (await _tenants(gql))["insa-lyon"]
    done = await gql(CONFIGURE, {"input": {"tenantId": lyon, "desk": {
        **desk, "kind": desk["kind"].upper()}}}, as_user=ADMIN)
    assert done["configureDesk"]["__typename"] == "DeskConfigured"
    return lyon


async def _checks(session: Any) -> list[dict[str, Any]]:
    rows = await session.scalars(select(AuditEvent).where(AuditEvent.action == "desk.checked")
                                 .order_by(AuditEvent.id))
    return [{"target": r.target_id, "actor": r.actor_name, **r.changes} for r in rows]


async def test_a_reachable_itop_desk_says_who_we_are_logged_in_as_and_the_check_is_audited(
        gql, session, itop: SlowItop) -> None:
    lyon = await _point_lyon_at(gql, itop_desk(itop.url))
    checked = (await gql(CHECK, {"id": lyon}, as_user=ADMIN))["checkDesk"]
    assert checked["__typename"] == "DeskChecked", checked
    assert checked["school"] == {"slug": "insa-lyon"}
    assert checked["desk"] == {"kind": "ITOP", "url": itop.url}
    assert (checked["outcome"], checked["ok"], checked["reachable"]) == ("OK", True, True)
    assert checked["message"] == "the desk answers, accepts our account and every mapping resolves"
    assert "logged in as groupdesk-rest" in checked["detail"]
    assert "may create, update and apply stimuli" in checked["detail"]
    assert await _checks(session) == [{"target": "insa-lyon", "actor": ADMIN, "outcome": "OK",
                                       "detail": checked["detail"], "kind": "itop", "url": itop.url}]


async def test_a_reachable_glpi_desk_names_the_account_and_its_profile(gql, glpi: FakeGlpi) -> None:
    lyon = await _point_lyon_at(gql, glpi_desk(glpi.url))
    checked = (await gql(CHECK, {"id": lyon}, as_user=ADMIN))["checkDesk"]
    assert (checked["outcome"], checked["ok"], checked["reachable"]) == ("OK", True, True), checked
    assert checked["detail"].startswith(f"GLPI API answers at {glpi.url}; logged in as ")


async def test_an_unreachable_desk_is_told_apart_from_a_refusal(gql, session, itop: SlowItop) -> None:
    lyon = await _point_lyon_at(gql, itop_desk(itop.url))
    itop.down("refused")
    checked = (await gql(CHECK, {"id": lyon}, as_user=ADMIN))["checkDesk"]
    assert (checked["outcome"], checked["ok"], checked["reachable"]) == ("UNREACHABLE", False, False)
    assert checked["detail"] == f"iTop unreachable at {itop.url}: connection refused"
    assert checked["message"].startswith("the desk is unreachable")
    assert [c["outcome"] for c in await _checks(session)] == ["UNREACHABLE"]


@pytest.mark.parametrize("desk", ["itop", "glpi"])
async def test_wrong_credentials_are_a_refusal_by_a_desk_that_answered(
        gql, itop: SlowItop, glpi: FakeGlpi, monkeypatch: pytest.MonkeyPatch, desk: str) -> None:
    if desk == "itop":
        lyon = await _point_lyon_at(gql, itop_desk(itop.url))
        monkeypatch.setenv("T_ITOP_PASSWORD", "wrong")
    else:
        lyon = await _point_lyon_at(gql, glpi_desk(glpi.url))
        monkeypatch.setenv("T_GLPI_USER", "wrong")
    checked = (await gql(CHECK, {"id": lyon}, as_user=ADMIN))["checkDesk"]
    assert (checked["outcome"], checked["ok"], checked["reachable"]) == ("REFUSED", False, True), checked
    assert checked["message"] == "the desk answered but refused us: check its credentials and its URL"
    assert "wrong" not in checked["detail"]  # the secret's value is never shown


async def test_a_wrong_mapping_is_a_problem_found_after_logging_in(gql, itop: SlowItop) -> None:
    lyon = await _point_lyon_at(gql, itop_desk(itop.url, org_id=99))
    checked = (await gql(CHECK, {"id": lyon}, as_user=ADMIN))["checkDesk"]
    assert (checked["outcome"], checked["ok"], checked["reachable"]) == ("PROBLEMS", False, True)
    assert checked["detail"] == "mapping org_id = 99 matches 0 Organization objects, not exactly one"


async def test_a_secret_not_set_or_no_desk_at_all_sends_nothing(
        gql, itop: SlowItop, monkeypatch: pytest.MonkeyPatch) -> None:
    lyon = await _point_lyon_at(gql, itop_desk(itop.url))
    monkeypatch.delenv("T_ITOP_PASSWORD")
    before = len(itop.calls)
    checked = (await gql(CHECK, {"id": lyon}, as_user=ADMIN))["checkDesk"]
    assert (checked["outcome"], checked["reachable"]) == ("NOT_CONFIGURED", False)
    assert "environment variable T_ITOP_PASSWORD is not set" in checked["detail"]
    assert len(itop.calls) == before
    cvl = (await _tenants(gql))["insa-cvl"]
    none = (await gql(CHECK, {"id": cvl}, as_user=ADMIN))["checkDesk"]
    assert (none["outcome"], none["desk"]) == ("NOT_CONFIGURED", None)
    assert none["detail"] == "insa-cvl has no desk configured"


async def test_the_outcome_is_read_in_the_callers_language(client, token_for, itop: SlowItop, gql) -> None:
    lyon = await _point_lyon_at(gql, itop_desk(itop.url))
    itop.down("refused")
    body = (await client.post("/graphql", json={"query": CHECK, "variables": {"id": lyon}},
                              headers={"Authorization": f"Bearer {token_for(ADMIN)}",
                                       "Accept-Language": "fr"})).json()
    assert body["data"]["checkDesk"]["message"] == (
        "l'outil d'assistance est injoignable : il n'a pas répondu, ou a répondu par une erreur "
        "temporaire ; les envois attendent et seront retentés")


@pytest.mark.parametrize("user", [AGENT, LYON_MANAGER, RENNES_MANAGER])
async def test_only_group_admins_check_a_desk(gql, session, itop: SlowItop, user: str) -> None:
    lyon = await _point_lyon_at(gql, itop_desk(itop.url))
    before = len(itop.calls)
    refused = (await gql(CHECK, {"id": lyon}, as_user=user))["checkDesk"]
    assert refused == {"__typename": "PermissionDenied",
                       "message": "only group administrators check the schools' desks"}
    assert len(itop.calls) == before and await _checks(session) == []


async def test_a_group_or_a_missing_tenant_is_refused_at_its_argument(gql, session) -> None:
    group = (await _tenants(gql))["groupe-insa"]
    refused = (await gql(CHECK, {"id": group}, as_user=ADMIN))["checkDesk"]
    assert refused["__typename"] == "ValidationFailed"
    assert refused["fields"] == [{"field": "tenantId",
                                  "message": "groupe-insa is not a school: only schools have desks"}]
    missing = (await gql(CHECK, {"id": "VGVuYW50Ojk4NzY1NA=="}, as_user=ADMIN))["checkDesk"]
    assert missing["__typename"] == "NotFound"
    assert await _checks(session) == []
