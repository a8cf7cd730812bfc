"""A deactivated brick, service or sub-service is gone for everyone but group admins, whichever way
it is reached: lists, look-ups, Relay nodes, and relations such as `experts { brick }`."""

from __future__ import annotations

from typing import Any

from tests.tickets.helpers import (
    ACCOUNT_CREATION,
    ACCOUNT_REQUEST,
    ADMIN,
    LYON_AGENT,
    ROUEN_EXPERT,
    open_via_api,
)

EXPERTS = "{ experts { id brick { code } service { name } subService { name } user { username } } }"
NODE = "query($id: ID!) { node(id: $id) { id } }"
MY_DESIGNATIONS = "{ viewer { user { designations { id brick { code } service { name } } } } }"


async def _scenari(gql: Any) -> dict[str, Any]:
    return (await gql('{ brick(code: "scenari") { id services { id name subServices { id name } } } }',
                      as_user=ADMIN))["brick"]


async def _deactivate(gql: Any, kind: str, ident: str) -> None:
    done = await gql(f"mutation($id: ID!) {{ deactivate{kind}(id: $id) {{ __typename }} }}",
                     {"id": ident}, as_user=ADMIN)
    assert done[f"deactivate{kind}"]["__typename"] == kind


async def _scenari_designations(gql: Any, as_user: str) -> list[dict[str, Any]]:
    rows = (await gql(EXPERTS, as_user=as_user))["experts"]
    return [r for r in rows if r["brick"]["code"] == "scenari"]


async def test_a_deactivated_brick_hides_its_experts_services_and_nodes_from_non_admins(gql) -> None:
    scenari = await _scenari(gql)
    designations = await _scenari_designations(gql, LYON_AGENT)
    assert designations, "the demo federation designates experts on Scenari"
    service = scenari["services"][0]
    await _deactivate(gql, "Brick", scenari["id"])

    assert await _scenari_designations(gql, LYON_AGENT) == []
    assert (await gql('{ experts(brickCode: "scenari") { id } }', as_user=LYON_AGENT))["experts"] == []
    for ident in (designations[0]["id"], service["id"], service["subServices"][0]["id"]):
        assert (await gql(NODE, {"id": ident}, as_user=LYON_AGENT))["node"] is None, ident
    # An expert's own designations on it are gone from their view too, without an error.
    mine = (await gql(MY_DESIGNATIONS, as_user=ROUEN_EXPERT))["viewer"]["user"]["designations"]
    assert [d for d in mine if d["brick"]["code"] == "scenari"] == []

    # Group admins, who may bring it back, still see all of it.
    assert len(await _scenari_designations(gql, ADMIN)) == len(designations)
    for ident in (designations[0]["id"], service["id"]):
        assert (await gql(NODE, {"id": ident}, as_user=ADMIN))["node"] == {"id": ident}


async def test_a_deactivated_service_hides_the_designations_on_it(gql) -> None:
    scenari = await _scenari(gql)
    accounts = next(s for s in scenari["services"] if s["name"] == "Account management")
    await _deactivate(gql, "Service", accounts["id"])
    shown = await _scenari_designations(gql, LYON_AGENT)
    assert shown and all((d["service"] or {}).get("name") != "Account management" for d in shown)
    mine = (await gql(MY_DESIGNATIONS, as_user=ROUEN_EXPERT))["viewer"]["user"]["designations"]
    assert [(d["service"] or {}).get("name") for d in mine] == ["Publishing"]
    sub = accounts["subServices"][0]["id"]
    assert (await gql(NODE, {"id": sub}, as_user=LYON_AGENT))["node"] is None
    assert (await gql(NODE, {"id": sub}, as_user=ADMIN))["node"] == {"id": sub}


async def test_a_ticket_still_names_the_retired_entry_it_was_opened_on(gql) -> None:
    opened = await open_via_api(gql, LYON_AGENT, ACCOUNT_CREATION, ACCOUNT_REQUEST)
    assert opened["__typename"] == "Ticket", opened
    await _deactivate(gql, "Brick", (await _scenari(gql))["id"])
    ticket = (await gql("query($id: ID!) { ticket(id: $id) { brick { code } service { name } "
                        "subService { name } } }", {"id": opened["id"]}, as_user=LYON_AGENT))["ticket"]
    assert ticket == {"brick": {"code": "scenari"}, "service": {"name": "Account management"},
                      "subService": {"name": "Account creation"}}
