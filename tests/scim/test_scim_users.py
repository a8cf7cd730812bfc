"""SCIM users: what is kept, what is refused, and what deleting a person does."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.identity.models import ExpertDesignation, User
from tests.scim.conftest import ENTERPRISE, USER_SCHEMA, ScimClient

ILAN = "ilan.berthaud@insa-lyon.example.org"


async def stored(session: AsyncSession, user_id: str) -> User:
    user = await session.get(User, int(user_id), populate_existing=True)
    assert user is not None
    return user


async def test_unassigned_display_name_and_active_read_back_unassigned_while_groupdesk_fills_them(
        scim: ScimClient, session: AsyncSession) -> None:
    created = await scim.post("Users", {"schemas": [USER_SCHEMA], "userName": ILAN,
                                        "name": {"givenName": "Ilan", "familyName": "Berthaud"}})

    assert created.status_code == 201
    assert "displayName" not in created.json() and "active" not in created.json()
    user = await stored(session, created.json()["id"])
    assert (user.display_name, user.active) == ("Ilan Berthaud", True)

    await scim.patch(f"Users/{user.id}", {"op": "add", "path": "displayName", "value": "Ilan B."})
    assert (await scim.get(f"Users/{user.id}")).json()["displayName"] == "Ilan B."
    await scim.patch(f"Users/{user.id}", {"op": "remove", "path": "displayName"})
    assert "displayName" not in (await scim.get(f"Users/{user.id}")).json()
    assert (await stored(session, str(user.id))).display_name == "Ilan Berthaud"


async def test_removing_active_keeps_the_user_active(scim: ScimClient, session: AsyncSession) -> None:
    user = await scim.create_user(ILAN, active=False)
    assert (await stored(session, user["id"])).active is False

    await scim.patch(f"Users/{user['id']}", {"op": "remove", "path": "active"})

    assert "active" not in (await scim.get(f"Users/{user['id']}")).json()
    assert (await stored(session, user["id"])).active is True


async def test_user_created_disabled_cannot_log_in(scim: ScimClient, client: httpx.AsyncClient,
                                                   token_for: Any) -> None:
    await scim.create_user(ILAN, active="False")

    response = await client.post("/graphql", json={"query": "{ viewer { roles } }"},
                                 headers={"Authorization": f"Bearer {token_for(ILAN)}"})

    assert response.status_code == 403


async def test_e_mails_are_kept_as_sent_and_groupdesk_writes_to_the_primary_one(
        scim: ScimClient, session: AsyncSession) -> None:
    emails = [{"value": "ilan@perso.example", "type": "home"},
              {"value": ILAN, "type": "work", "primary": True}]
    user = await scim.create_user("ilan.berthaud", emails=emails)

    assert user["emails"] == emails
    assert (await stored(session, user["id"])).email == ILAN
    matched = await scim.get("Users", filter='emails[type eq "home" and value co "perso"]')
    assert [r["id"] for r in matched.json()["Resources"]] == [user["id"]]


async def test_username_taken_whatever_its_case_is_a_conflict(scim: ScimClient) -> None:
    await scim.create_user(ILAN)
    other = await scim.create_user("manon.dellacroix@insa-lyon.example.org")

    created = await scim.post("Users", {"schemas": [USER_SCHEMA], "userName": ILAN.upper()})
    renamed = await scim.patch(f"Users/{other['id']}", {"op": "Replace", "path": "userName",
                                                        "value": "Ilan.Berthaud@insa-lyon.example.org"})

    for response in (created, renamed):
        assert response.status_code == 409, response.text
        assert response.json()["scimType"] == "uniqueness"


async def test_bad_values_are_refused_naming_each_attribute_and_nothing_is_created(
        scim: ScimClient, session: AsyncSession) -> None:
    response = await scim.post("Users", {
        "schemas": [USER_SCHEMA, ENTERPRISE], "userName": "ilan berthaud",
        "name": {"givenName": "I" * 151}, ENTERPRISE: {"employeeNumber": "9" * 65}})

    assert response.status_code == 400
    detail = response.json()["detail"]
    assert "userName: must not contain spaces or control characters" in detail
    assert "name.givenName: at most 150 characters (got 151)" in detail
    assert f"{ENTERPRISE}:employeeNumber: at most 64 characters (got 65)" in detail
    assert await session.scalar(select(User).where(User.username == "ilan berthaud")) is None


async def test_manager_must_be_a_user_of_the_same_school(scim: ScimClient, rennes_scim: ScimClient) -> None:
    elsewhere = await rennes_scim.create_user("gael.morvan@insa-rennes.example.org")

    response = await scim.post("Users", {"schemas": [USER_SCHEMA, ENTERPRISE],
                                         "userName": ILAN,
                                         ENTERPRISE: {"manager": {"value": elsewhere["id"]}}})

    assert response.status_code == 400
    assert response.json()["detail"] == f"{ENTERPRISE}:manager: no user {elsewhere['id']!r} in this tenant"


async def test_put_replaces_the_whole_user(scim: ScimClient) -> None:
    user = await scim.create_user(ILAN, displayName="Ilan",
                                  emails=[{"value": "ilan@insa-lyon.example.org"}], externalId="x-1",
                                  **{ENTERPRISE: {"department": "DSI"}})

    response = await scim.put(f"Users/{user['id']}", {"schemas": [USER_SCHEMA], "id": user["id"],
                                                      "userName": ILAN,
                                                      "displayName": "Ilan Berthaud", "active": True})

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["displayName"] == "Ilan Berthaud"
    assert not {"emails", "externalId", ENTERPRISE} & body.keys()


async def test_deleting_a_user_detaches_it_and_keeps_the_row_for_its_tickets(
        scim: ScimClient, session: AsyncSession) -> None:
    user = await scim.create_user(ILAN)
    report = await scim.create_user("manon.dellacroix@insa-lyon.example.org",
                                    **{ENTERPRISE: {"manager": user["id"]}})
    group = await scim.create_group("groupdesk-expert-scenari", user["id"], report["id"])

    assert (await scim.delete(f"Users/{user['id']}")).status_code == 204

    row = await stored(session, user["id"])
    assert row.active is False and row.scim_deleted_at is not None
    assert row.role_names == []
    assert await session.scalar(select(ExpertDesignation).where(ExpertDesignation.user_id == row.id)) is None
    members = (await scim.get(f"Groups/{group['id']}")).json()["members"]
    assert [m["value"] for m in members] == [report["id"]]
    assert ENTERPRISE not in (await scim.get(f"Users/{report['id']}")).json()
    assert (await scim.patch(f"Users/{user['id']}", {"op": "Replace", "path": "active",
                                                     "value": True})).status_code == 404


async def test_a_deleted_person_provisioned_again_gets_the_same_row_back(
        scim: ScimClient, session: AsyncSession) -> None:
    first = await scim.create_user(ILAN, displayName="Ilan")
    await scim.delete(f"Users/{first['id']}")

    again = await scim.create_user("Ilan.Berthaud@insa-lyon.example.org", displayName="Ilan Berthaud")

    assert again["id"] == first["id"]
    assert again["active"] is True and again["displayName"] == "Ilan Berthaud"
    row = await stored(session, again["id"])
    assert (row.username, row.scim_deleted_at) == ("Ilan.Berthaud@insa-lyon.example.org", None)


async def test_another_school_cannot_take_the_name_of_a_deleted_user(
        scim: ScimClient, rennes_scim: ScimClient) -> None:
    user = await scim.create_user(ILAN)
    await scim.delete(f"Users/{user['id']}")

    response = await rennes_scim.post("Users", {"schemas": [USER_SCHEMA],
                                                "userName": ILAN})

    assert response.status_code == 409


async def test_a_patch_that_changes_nothing_keeps_the_version(scim: ScimClient) -> None:
    user = await scim.create_user(ILAN, displayName="Ilan")

    await scim.patch(f"Users/{user['id']}", {"op": "Replace", "path": "displayName", "value": "Ilan"})

    assert (await scim.get(f"Users/{user['id']}")).json()["meta"]["lastModified"] == \
        user["meta"]["lastModified"]


async def test_entra_adding_the_work_address_by_a_filtered_path_creates_it(
        scim: ScimClient, session: AsyncSession) -> None:
    user = await scim.create_user(ILAN)

    response = await scim.patch(f"Users/{user['id']}", {"op": "Add", "path": 'emails[type eq "work"].value',
                                                        "value": "ilan@insa-lyon.example.org"})

    assert response.status_code == 204, response.text
    assert (await scim.get(f"Users/{user['id']}")).json()["emails"] == [
        {"value": "ilan@insa-lyon.example.org", "type": "work"}]
    assert (await stored(session, user["id"])).email == "ilan@insa-lyon.example.org"
