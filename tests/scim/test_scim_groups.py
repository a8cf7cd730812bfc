"""SCIM groups: members, and the roles and expert designations their names grant (designations: the
group's own provider only)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.catalog.models import Brick
from server.identity.models import ExpertDesignation, User
from tests.scim.conftest import GROUP_SCHEMA, ScimClient

LYON_EXPERT = "celeste.morvandieu"   # school-agent + expert, designated by hand on scenari
LYON_AGENT = "amandine.roclerc"      # school-agent from the federation file
GROUP_EXPERT = "wilfried.thorenc"    # the group's group-admin + expert


async def roles_of(session: AsyncSession, user_id: str) -> list[str]:
    user = await session.get(User, int(user_id), populate_existing=True)
    assert user is not None
    return user.role_names


async def brick_designations(session: AsyncSession, user_id: str) -> dict[str, bool]:
    """Brick code -> provisioned, for the user's brick-level designations."""
    rows = await session.execute(
        select(Brick.code, ExpertDesignation.provisioned)
        .join(Brick, Brick.id == ExpertDesignation.brick_id)
        .where(ExpertDesignation.user_id == int(user_id), ExpertDesignation.service_id.is_(None),
               ExpertDesignation.sub_service_id.is_(None))
        .execution_options(populate_existing=True))
    return {code: provisioned for code, provisioned in rows}


async def demo_user_id(scim: ScimClient, username: str) -> str:
    found = (await scim.get("Users", filter=f'userName eq "{username}"')).json()["Resources"]
    assert len(found) == 1, f"{username} not visible to the provider"
    return found[0]["id"]


async def test_joining_and_leaving_a_role_group_grants_and_withdraws_the_role(
        scim: ScimClient, session: AsyncSession) -> None:
    user = await scim.create_user("ilan.berthaud@insa-lyon.example.org")
    agents = await scim.create_group("groupdesk-school-agent")
    managers = await scim.create_group("GroupDesk-School-Manager ", user["id"])
    assert await roles_of(session, user["id"]) == ["school-manager"]

    await scim.patch(f"Groups/{agents['id']}",
                     {"op": "add", "path": "members", "value": [{"value": user["id"]}]})
    assert await roles_of(session, user["id"]) == ["school-agent", "school-manager"]
    await scim.patch(f"Groups/{managers['id']}",
                     {"op": "remove", "path": f'members[value eq "{user["id"]}"]'})
    assert await roles_of(session, user["id"]) == ["school-agent"]


async def test_removing_members_by_a_value_list_removes_exactly_those(scim: ScimClient,
                                                                     session: AsyncSession) -> None:
    ids = [(await scim.create_user(f"membre{n}@insa-lyon.example.org"))["id"] for n in range(3)]
    group = await scim.create_group("groupdesk-school-agent", *ids)

    response = await scim.patch(f"Groups/{group['id']}", {"op": "Remove", "path": "members",
                                                          "value": [{"value": ids[0]}, {"value": ids[2]}]})

    assert response.status_code == 204, response.text
    members = (await scim.get(f"Groups/{group['id']}")).json()["members"]
    assert [m["value"] for m in members] == [ids[1]]
    assert [await roles_of(session, i) for i in ids] == [[], ["school-agent"], []]


async def designate_by_hand(session: AsyncSession, user_id: str, brick_code: str) -> None:
    """A brick-level designation as a group administrator makes it (not provisioned)."""
    brick_id = await session.scalar(select(Brick.id).where(Brick.code == brick_code))
    assert brick_id is not None
    session.add(ExpertDesignation(user_id=int(user_id), brick_id=brick_id, service_id=None, sub_service_id=None,
                                  provisioned=False, scope=ExpertDesignation.scope_of(brick_id, None, None)))
    await session.commit()


async def test_group_expert_pool_designates_on_its_brick_and_leaving_it_keeps_designations_made_by_hand(
        group_scim: ScimClient, session: AsyncSession) -> None:
    newcomer = await group_scim.create_user("ilan.berthaud@groupe-insa.example.org")
    expert = await demo_user_id(group_scim, GROUP_EXPERT)
    await designate_by_hand(session, expert, "scenari")
    pool = await group_scim.create_group("groupdesk-expert-scenari", newcomer["id"], expert)
    await group_scim.create_group("groupdesk-expert-gitlab", newcomer["id"])
    assert await roles_of(session, newcomer["id"]) == ["expert"]
    assert await brick_designations(session, newcomer["id"]) == {"scenari": True, "gitlab": True}
    # Already designated on scenari by a group administrator: no second designation.
    assert await brick_designations(session, expert) == {"scenari": False}

    emptied = await group_scim.put(f"Groups/{pool['id']}", {
        "schemas": [GROUP_SCHEMA], "displayName": "groupdesk-expert-scenari", "members": []})

    assert emptied.status_code == 200, emptied.text
    assert await brick_designations(session, newcomer["id"]) == {"gitlab": True}
    assert await brick_designations(session, expert) == {"scenari": False}
    # The expert and group-admin roles now come from no group: the provider manages this user's roles.
    assert await roles_of(session, expert) == []


async def test_a_school_expert_pool_grants_the_role_and_no_designation(
        scim: ScimClient, session: AsyncSession) -> None:
    newcomer = await scim.create_user("ilan.berthaud@insa-lyon.example.org")
    expert = await demo_user_id(scim, LYON_EXPERT)
    await scim.create_group("groupdesk-expert-scenari", newcomer["id"], expert)
    await scim.create_group("groupdesk-expert-gitlab", newcomer["id"])

    assert await roles_of(session, newcomer["id"]) == ["expert"]
    assert await brick_designations(session, newcomer["id"]) == {}
    # What a group administrator designated stays; the school's group adds nothing to it.
    assert await brick_designations(session, expert) == {"scenari": False}


async def test_a_school_provider_withdraws_designations_its_groups_made_before(
        scim: ScimClient, session: AsyncSession) -> None:
    """Designations a school's expert pool made before the rule go at the member's next recompute."""
    user = await scim.create_user("ilan.berthaud@insa-lyon.example.org")
    brick_id = await session.scalar(select(Brick.id).where(Brick.code == "visio"))
    assert brick_id is not None
    session.add(ExpertDesignation(user_id=int(user["id"]), brick_id=brick_id, service_id=None, sub_service_id=None,
                                  provisioned=True, scope=ExpertDesignation.scope_of(brick_id, None, None)))
    await session.commit()

    await scim.create_group("groupdesk-expert-visio", user["id"])

    assert await roles_of(session, user["id"]) == ["expert"]
    assert await brick_designations(session, user["id"]) == {}


async def test_expert_pool_of_an_unknown_brick_grants_the_role_only(group_scim: ScimClient,
                                                                   session: AsyncSession) -> None:
    user = await group_scim.create_user("ilan.berthaud@groupe-insa.example.org")
    await group_scim.create_group("groupdesk-expert-no-such-brick", user["id"])

    assert await roles_of(session, user["id"]) == ["expert"]
    assert await brick_designations(session, user["id"]) == {}


async def test_renaming_a_group_moves_what_every_member_holds(group_scim: ScimClient,
                                                             session: AsyncSession) -> None:
    ids = [(await group_scim.create_user(f"membre{n}@groupe-insa.example.org"))["id"] for n in range(2)]
    group = await group_scim.create_group("Support", *ids)
    assert [await roles_of(session, i) for i in ids] == [[], []]

    await group_scim.patch(f"Groups/{group['id']}", {"op": "Replace", "path": "displayName",
                                                     "value": "groupdesk-group-admin"})
    assert [await roles_of(session, i) for i in ids] == [["group-admin"]] * 2
    await group_scim.patch(f"Groups/{group['id']}", {"op": "Replace", "path": "displayName",
                                                     "value": "groupdesk-expert-visio"})
    assert [await roles_of(session, i) for i in ids] == [["expert"]] * 2
    assert await brick_designations(session, ids[0]) == {"visio": True}


async def test_deleting_a_group_withdraws_what_it_granted(group_scim: ScimClient, session: AsyncSession) -> None:
    user = await group_scim.create_user("ilan.berthaud@groupe-insa.example.org")
    group = await group_scim.create_group("groupdesk-expert-partage", user["id"])
    assert await brick_designations(session, user["id"]) == {"partage": True}

    assert (await group_scim.delete(f"Groups/{group['id']}")).status_code == 204

    assert await roles_of(session, user["id"]) == []
    assert await brick_designations(session, user["id"]) == {}
    assert "groups" not in (await group_scim.get(f"Users/{user['id']}")).json()


async def test_a_school_provider_cannot_grant_group_wide_or_technical_roles(
        scim: ScimClient, session: AsyncSession) -> None:
    user = await scim.create_user("ilan.berthaud@insa-lyon.example.org")
    for name in ("groupdesk-group-admin", "groupdesk-operations", "groupdesk-desk-integration"):
        await scim.create_group(name, user["id"])

    assert await roles_of(session, user["id"]) == []


async def test_a_matched_federation_user_keeps_roles_until_its_groups_decide(
        scim: ScimClient, session: AsyncSession) -> None:
    agent = await demo_user_id(scim, LYON_AGENT)
    # Matched by userName and updated: the file's role stays while no group says otherwise.
    await scim.patch(f"Users/{agent}", {"op": "Replace", "path": "externalId", "value": "b41c"})
    assert await roles_of(session, agent) == ["school-agent"]

    await scim.create_group("groupdesk-school-manager", agent)

    assert await roles_of(session, agent) == ["school-manager"]
    user = await session.get(User, int(agent))
    assert user is not None and user.scim_managed


async def test_members_from_another_school_or_unknown_are_refused_and_nothing_changes(
        scim: ScimClient, rennes_scim: ScimClient) -> None:
    ours = await scim.create_user("ilan.berthaud@insa-lyon.example.org")
    theirs = await rennes_scim.create_user("gael.morvan@insa-rennes.example.org")
    group = await scim.create_group("groupdesk-school-agent", ours["id"])

    for value in (theirs["id"], "999999", "not-an-id"):
        response = await scim.patch(f"Groups/{group['id']}",
                                    {"op": "Add", "path": "members", "value": [{"value": value}]})
        assert response.status_code == 400, response.text
        assert response.json()["scimType"] == "invalidValue"
        assert response.json()["detail"] == f"members: no user {value!r} in this tenant"
    created = await scim.post("Groups", {"schemas": [GROUP_SCHEMA], "displayName": "Autre",
                                         "members": [{"value": theirs["id"]}]})
    assert created.status_code == 400
    members = (await scim.get(f"Groups/{group['id']}")).json()["members"]
    assert [m["value"] for m in members] == [ours["id"]]


async def test_groups_are_not_members_of_groups(scim: ScimClient) -> None:
    inner = await scim.create_group("Inner")

    response = await scim.post("Groups", {"schemas": [GROUP_SCHEMA], "displayName": "Outer",
                                          "members": [{"value": inner["id"], "type": "Group"}]})

    assert response.status_code == 400
    assert "only users can be members" in response.json()["detail"]


async def test_a_group_needs_a_display_name(scim: ScimClient) -> None:
    response = await scim.post("Groups", {"schemas": [GROUP_SCHEMA], "displayName": "  "})

    assert response.status_code == 400
    assert response.json()["detail"] == "displayName: required"
