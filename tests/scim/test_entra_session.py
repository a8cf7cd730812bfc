"""A provisioning session shaped like Entra ID's: test connection, create, match, update, disable, delete."""

from __future__ import annotations

from typing import Any

import httpx

from tests.scim.conftest import ENTERPRISE, GROUP_SCHEMA, USER_SCHEMA, ScimClient

ADSCIM_GROUP = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"
VIEWER = "{ viewer { user { username displayName } tenant { slug } roles } }"


def entra_user(upn: str, object_id: str, **extra: Any) -> dict[str, Any]:
    """A user as Entra ID's default attribute mappings send it (with attributes groupdesk ignores)."""
    return {
        "schemas": [USER_SCHEMA, ENTERPRISE],
        "externalId": object_id,
        "userName": upn,
        "active": True,
        "displayName": "Noémie Vasseraud",
        "emails": [{"primary": True, "type": "work", "value": upn}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "Noémie Vasseraud", "familyName": "Vasseraud", "givenName": "Noémie"},
        "title": "Support engineer",
        "roles": [],
        ENTERPRISE: {"department": "DSI", "employeeNumber": "E-1042"},
        **extra,
    }


async def viewer(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post("/graphql", json={"query": VIEWER},
                             headers={"Authorization": f"Bearer {token}"})


async def test_test_connection_with_a_random_filter_gets_an_empty_list(scim: ScimClient) -> None:
    response = await scim.get("Users", filter='userName eq "d1e3c1f8-1c43-4b1e-9a76-7b0e3f2c9b11"')

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/scim+json")
    assert response.json() == {"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
                               "totalResults": 0, "startIndex": 1, "itemsPerPage": 0, "Resources": []}


async def test_entra_session_creates_updates_disables_and_deletes_users_and_groups(
        scim: ScimClient, client: httpx.AsyncClient, token_for: Any) -> None:
    upn = "noemie.vasseraud@insa-lyon.example.org"
    # Entra looks the user up before creating it.
    assert (await scim.get("Users", filter=f'userName eq "{upn}"')).json()["totalResults"] == 0
    created = await scim.post("Users", entra_user(upn, "7d0c9a52-2f4e-4b8e-a3f1-5e9c0b7d1a20"))
    assert created.status_code == 201, created.text
    user = created.json()
    assert user[ENTERPRISE] == {"department": "DSI", "employeeNumber": "E-1042"}
    assert "title" not in user and user["name"] == {"givenName": "Noémie", "familyName": "Vasseraud"}
    found = (await scim.get("Users", filter='externalId eq "7d0c9a52-2f4e-4b8e-a3f1-5e9c0b7d1a20"')).json()
    assert [r["id"] for r in found["Resources"]] == [user["id"]]

    # A group with the agent role, and the user joining it.
    group = await scim.post("Groups", {"schemas": [GROUP_SCHEMA, ADSCIM_GROUP], "externalId": "5f1e",
                                       "displayName": "groupdesk-school-agent", "members": []})
    assert group.status_code == 201, group.text
    group_id = group.json()["id"]
    looked_up = await scim.get("Groups", filter='displayName eq "groupdesk-school-agent"',
                               excludedAttributes="members")
    assert [g["id"] for g in looked_up.json()["Resources"]] == [group_id]
    added = await scim.patch(f"Groups/{group_id}",
                             {"op": "Add", "path": "members", "value": [{"value": user["id"]}]})
    assert added.status_code == 204, added.text

    # The person now uses groupdesk with the role the group gives.
    token = token_for(upn)
    me = (await viewer(client, token)).json()["data"]["viewer"]
    assert me == {"user": {"username": upn, "displayName": "Noémie Vasseraud"},
                  "tenant": {"slug": "insa-lyon"}, "roles": ["SCHOOL_AGENT"]}

    # Entra's update: several Replace ops with paths, booleans as strings.
    updated = await scim.patch(
        f"Users/{user['id']}",
        {"op": "Replace", "path": "displayName", "value": "Noémie Vasseraud-Kerlo"},
        {"op": "Replace", "path": f"{ENTERPRISE}:department", "value": "Scolarité"},
        {"op": "Replace", "path": 'emails[type eq "work"].value',
         "value": "n.vasseraud@insa-lyon.example.org"})
    assert updated.status_code == 204, updated.text
    assert (await viewer(client, token)).json()["data"]["viewer"]["user"]["displayName"] == \
        "Noémie Vasseraud-Kerlo"

    # Disabling: the person can no longer act, the provider still reads the user.
    disabled = await scim.patch(f"Users/{user['id']}",
                                {"op": "Replace", "path": "active", "value": "False"})
    assert disabled.status_code == 204, disabled.text
    refused = await viewer(client, token)
    assert refused.status_code == 403
    assert "deactivated" in refused.json()["errors"][0]["message"]
    still = await scim.get(f"Users/{user['id']}")
    assert still.status_code == 200 and still.json()["active"] is False
    assert still.json()["emails"] == [{"value": "n.vasseraud@insa-lyon.example.org", "type": "work",
                                       "primary": True}]

    # Removing the member, deleting the group, deleting the user.
    removed = await scim.patch(f"Groups/{group_id}",
                               {"op": "Remove", "path": "members", "value": [{"value": user["id"]}]})
    assert removed.status_code == 204
    assert (await scim.delete(f"Groups/{group_id}")).status_code == 204
    assert (await scim.get(f"Groups/{group_id}")).status_code == 404
    assert (await scim.delete(f"Users/{user['id']}")).status_code == 204
    gone = await scim.get(f"Users/{user['id']}")
    assert gone.status_code == 404
    assert gone.json()["status"] == "404"
    assert (await scim.get("Users", filter=f'userName eq "{upn}"')).json()["totalResults"] == 0
    assert (await scim.delete(f"Users/{user['id']}")).status_code == 404


async def test_one_replace_without_path_with_dotted_keys_and_a_bare_manager_id(scim: ScimClient) -> None:
    manager = await scim.create_user("manon.dellacroix@insa-lyon.example.org")
    user = await scim.create_user("ilan.berthaud@insa-lyon.example.org", displayName="Ilan Berthaud")

    response = await scim.patch(f"Users/{user['id']}", {"op": "replace", "value": {
        "name.givenName": "Ilan",
        "name.familyName": "Berthaud",
        f"{ENTERPRISE}:employeeNumber": "E-77",
        f"{ENTERPRISE}:manager": manager["id"],
        "active": "False",
        "preferredLanguage": "fr-FR",
    }})

    assert response.status_code == 204, response.text
    read = (await scim.get(f"Users/{user['id']}")).json()
    assert read["name"] == {"givenName": "Ilan", "familyName": "Berthaud"}
    assert read["active"] is False
    assert read[ENTERPRISE] == {"employeeNumber": "E-77", "manager": {
        "value": manager["id"], "$ref": f"http://groupdesk.test/scim/v2/Users/{manager['id']}"}}


async def test_manager_replaced_by_path_as_a_bare_id_then_removed(scim: ScimClient) -> None:
    manager = await scim.create_user("manon.dellacroix@insa-lyon.example.org")
    user = await scim.create_user("ilan.berthaud@insa-lyon.example.org")

    set_by_path = await scim.patch(f"Users/{user['id']}", {"op": "Add", "path": f"{ENTERPRISE}:manager",
                                                            "value": manager["id"]})
    assert set_by_path.status_code == 204, set_by_path.text
    assert (await scim.get(f"Users/{user['id']}")).json()[ENTERPRISE]["manager"]["value"] == manager["id"]
    removed = await scim.patch(f"Users/{user['id']}", {"op": "Remove", "path": f"{ENTERPRISE}:manager"})
    assert removed.status_code == 204
    assert ENTERPRISE not in (await scim.get(f"Users/{user['id']}")).json()


async def test_capitalised_ops_and_string_booleans_are_accepted_on_groups_too(scim: ScimClient) -> None:
    user = await scim.create_user("ilan.berthaud@insa-lyon.example.org")
    group = await scim.create_group("Équipe support")

    response = await scim.patch(f"Groups/{group['id']}",
                                {"op": "Replace", "path": "displayName", "value": "Support N2"},
                                {"op": "Add", "path": "members", "value": [{"value": user["id"]}]})

    assert response.status_code == 204, response.text
    read = (await scim.get(f"Groups/{group['id']}")).json()
    assert read["displayName"] == "Support N2"
    assert read["members"] == [{"value": user["id"], "type": "User",
                                "$ref": f"http://groupdesk.test/scim/v2/Users/{user['id']}"}]
