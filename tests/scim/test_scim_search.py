"""Searching: the filters identity providers send, any other filter, paging, attribute selection."""

from __future__ import annotations

import pytest

from tests.scim.conftest import ScimClient


async def _five_people(scim: ScimClient) -> list[dict]:
    return [await scim.create_user(f"personne{n}@insa-lyon.example.org", externalId=f"Ext-{n}",
                                   displayName=f"Personne {n}", active=n % 2 == 0)
            for n in range(5)]


async def test_pages_by_start_index_and_count_with_the_total_on_every_page(scim: ScimClient) -> None:
    people = await _five_people(scim)
    everyone = (await scim.get("Users", count="200")).json()
    total = everyone["totalResults"]
    ids = [r["id"] for r in everyone["Resources"]]
    assert total == len(ids) and ids[-5:] == [p["id"] for p in people]

    pages = [(await scim.get("Users", startIndex=str(start), count="2")).json()
             for start in range(1, total + 1, 2)]

    assert {p["totalResults"] for p in pages} == {total}
    assert [p["startIndex"] for p in pages] == list(range(1, total + 1, 2))
    assert [r["id"] for p in pages for r in p["Resources"]] == ids
    assert all(p["itemsPerPage"] == len(p["Resources"]) <= 2 for p in pages)


async def test_count_zero_gives_the_total_only_and_a_start_beyond_the_end_an_empty_page(
        scim: ScimClient) -> None:
    await _five_people(scim)
    total = (await scim.get("Users")).json()["totalResults"]

    counted = (await scim.get("Users", count="0")).json()
    assert (counted["totalResults"], counted["itemsPerPage"], counted["Resources"]) == (total, 0, [])
    beyond = (await scim.get("Users", startIndex=str(total + 1))).json()
    assert (beyond["totalResults"], beyond["Resources"]) == (total, [])


async def test_filtered_search_pages_too(scim: ScimClient) -> None:
    people = await _five_people(scim)

    page = (await scim.get("Users", filter='userName sw "personne"', startIndex="2", count="2")).json()

    assert page["totalResults"] == 5
    assert [r["id"] for r in page["Resources"]] == [p["id"] for p in people[1:3]]


async def test_user_name_is_matched_ignoring_case_and_external_id_exactly(scim: ScimClient) -> None:
    people = await _five_people(scim)

    by_name = await scim.get("Users", filter='userName eq "PERSONNE3@INSA-LYON.example.org"')
    by_id = await scim.get("Users", filter='externalId eq "Ext-3"')
    wrong_case = await scim.get("Users", filter='externalId eq "ext-3"')

    assert [r["id"] for r in by_name.json()["Resources"]] == [people[3]["id"]]
    assert [r["id"] for r in by_id.json()["Resources"]] == [people[3]["id"]]
    assert wrong_case.json()["totalResults"] == 0


@pytest.mark.parametrize(("scim_filter", "expected"), [
    ('userName eq "personne1@insa-lyon.example.org" and active eq false', [1]),
    ('userName eq "personne1@insa-lyon.example.org" and active eq true', []),
    ('externalId eq "Ext-1" or externalId eq "Ext-4"', [1, 4]),
    ('displayName co "onne 2"', [2]),
    ('userName sw "personne" and not (active eq true)', [1, 3]),
    ('displayName eq "personne 0"', [0]),
    ('id eq "999999999"', []),
    ('id eq "not-a-number"', []),
])
async def test_any_filter_is_answered_exactly(scim: ScimClient, scim_filter: str,
                                             expected: list[int]) -> None:
    people = await _five_people(scim)

    found = (await scim.get("Users", filter=scim_filter)).json()

    assert [r["id"] for r in found["Resources"]] == [people[n]["id"] for n in expected]
    assert found["totalResults"] == len(expected)


async def test_unknown_attribute_in_a_filter_is_an_invalid_filter(scim: ScimClient) -> None:
    response = await scim.get("Users", filter='nickName eq "x"')

    assert response.status_code == 400
    assert response.json()["scimType"] == "invalidFilter"


async def test_group_lookup_by_name_without_members_as_entra_does(scim: ScimClient) -> None:
    user = await scim.create_user("ilan.berthaud@insa-lyon.example.org")
    group = await scim.create_group("Équipe Support", user["id"], externalId="g-7")

    listed = await scim.get("Groups", filter='displayName eq "équipe support"', excludedAttributes="members")
    single = await scim.get(f"Groups/{group['id']}", excludedAttributes="members")
    with_members = await scim.get("Groups", filter='externalId eq "g-7"')

    assert [(g["id"], "members" in g) for g in listed.json()["Resources"]] == [(group["id"], False)]
    assert "members" not in single.json() and single.json()["displayName"] == "Équipe Support"
    assert [m["value"] for m in with_members.json()["Resources"][0]["members"]] == [user["id"]]


async def test_groups_are_found_by_member(scim: ScimClient) -> None:
    user = await scim.create_user("ilan.berthaud@insa-lyon.example.org")
    group = await scim.create_group("A", user["id"])
    await scim.create_group("B")

    found = await scim.get("Groups", filter=f'members[value eq "{user["id"]}"]')

    assert [g["id"] for g in found.json()["Resources"]] == [group["id"]]


async def test_attributes_parameter_keeps_only_the_asked_attributes(scim: ScimClient) -> None:
    user = await scim.create_user("ilan.berthaud@insa-lyon.example.org", displayName="Ilan")

    found = await scim.get("Users", filter='userName eq "ilan.berthaud@insa-lyon.example.org"',
                           attributes="userName")

    assert found.json()["Resources"] == [{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                                          "id": user["id"], "userName": user["userName"]}]


async def test_search_at_the_root_covers_users_then_groups(scim: ScimClient) -> None:
    user = await scim.create_user("ilan.berthaud@insa-lyon.example.org", displayName="Support")
    group = await scim.create_group("Support")

    found = await scim.request("POST", ".search", {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
        "filter": 'displayName eq "Support"'})

    assert found.status_code == 200, found.text
    assert [(r["meta"]["resourceType"], r["id"]) for r in found.json()["Resources"]] == [
        ("User", user["id"]), ("Group", group["id"])]
