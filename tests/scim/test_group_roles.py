"""The group naming convention, alone: which names grant which roles and expert pools."""

from __future__ import annotations

import pytest

from server.scim.group_roles import NOTHING, Grants, grants_of_group, grants_of_groups
from tenants.context import Role


@pytest.mark.parametrize(("name", "roles", "bricks"), [
    ("groupdesk-school-agent", {Role.SCHOOL_AGENT}, set()),
    ("  GroupDesk-School-Manager ", {Role.SCHOOL_MANAGER}, set()),
    ("groupdesk-expert", {Role.EXPERT}, set()),
    ("groupdesk-expert-scenari", {Role.EXPERT}, {"scenari"}),
    ("groupdesk-expert-Open-Moodle2", {Role.EXPERT}, {"open-moodle2"}),
    ("groupdesk-group-admin", {Role.GROUP_ADMIN}, set()),
])
def test_names_following_the_convention_grant_their_role(name: str, roles: set[Role],
                                                         bricks: set[str]) -> None:
    assert grants_of_group(name) == Grants(frozenset(roles), frozenset(bricks))


@pytest.mark.parametrize("name", ["Support N2", "groupdesk-", "groupdesk-admin", "school-agent",
                                  "xgroupdesk-school-agent", "groupdesk-expert-", "groupdesk-expert-scen ari",
                                  "groupdesk-expert--x"])
def test_other_names_grant_nothing(name: str) -> None:
    assert grants_of_group(name) == NOTHING


def test_the_prefix_is_a_setting() -> None:
    assert grants_of_group("APP-GD-school-agent", prefix="app-gd-").roles == {Role.SCHOOL_AGENT}
    assert grants_of_group("groupdesk-school-agent", prefix="app-gd-") == NOTHING


def test_several_groups_add_up() -> None:
    grants = grants_of_groups(["groupdesk-school-agent", "groupdesk-expert-visio", "Support",
                               "groupdesk-expert-gitlab"])

    assert grants == Grants(frozenset({Role.SCHOOL_AGENT, Role.EXPERT}), frozenset({"visio", "gitlab"}))
