"""Mapping verified claims to a tenant, groupdesk roles and a profile."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from server.identity.claims import TenantClaimMode, profile_from_claims, roles_from_claims, tenant_from_claims
from server.identity.tokens import RealmConfig, TokenRejected, TokenVerifier
from tenants.context import Role
from tests.support.realm import Realm

ORG = TenantClaimMode.ORGANIZATION
GROUPS = TenantClaimMode.GROUP_PATH
SCHOOL_REALM = RealmConfig("https://sso.example/", "insa-lyon", "groupdesk", tenant="insa-lyon")
GROUP_REALM = RealmConfig("https://sso.example/", "insa", "groupdesk")


@pytest.mark.parametrize(
    "organization",
    [["insa-lyon"], {"insa-lyon": {"id": "3f6c2a0e", "name": "INSA Lyon"}}, "insa-lyon"],
    ids=["list-of-aliases", "object-keyed-by-alias", "single-string"],
)
def test_each_keycloak_organization_shape_yields_the_alias(organization: Any) -> None:
    claims = {"organization": organization}

    assert tenant_from_claims(claims, mode=ORG, realm=GROUP_REALM) == "insa-lyon"


@pytest.mark.parametrize(
    "organization",
    [["insa-lyon", "insa-rennes"], {"insa-lyon": {}, "insa-rennes": {}}],
    ids=["list", "object"],
)
def test_several_organizations_are_ambiguous(organization: Any) -> None:
    with pytest.raises(TokenRejected, match=r"token carries no tenant: ambiguous .*insa-lyon, insa-rennes"):
        tenant_from_claims({"organization": organization}, mode=ORG, realm=GROUP_REALM)


@pytest.mark.parametrize("claims", [{}, {"organization": []}, {"organization": {}}, {"organization": 7}])
def test_missing_organization_carries_no_tenant(claims: dict[str, Any]) -> None:
    with pytest.raises(TokenRejected, match="token carries no tenant: no organization claim") as caught:
        tenant_from_claims(claims, mode=ORG, realm=GROUP_REALM)

    assert caught.value.status == 401


def test_duplicate_alias_in_the_list_is_one_tenant() -> None:
    claims = {"organization": ["insa-lyon", "insa-lyon"]}

    assert tenant_from_claims(claims, mode=ORG, realm=GROUP_REALM) == "insa-lyon"


def test_group_path_yields_the_segment_after_the_prefix() -> None:
    claims = {"groups": ["/staff", "/schools/insa-lyon"]}

    assert tenant_from_claims(claims, mode=GROUPS, realm=GROUP_REALM) == "insa-lyon"


def test_sub_groups_belong_to_their_school() -> None:
    claims = {"groups": ["/schools/insa-lyon/experts", "/schools/insa-lyon"]}

    assert tenant_from_claims(claims, mode=GROUPS, realm=GROUP_REALM) == "insa-lyon"


def test_groups_of_two_schools_are_ambiguous() -> None:
    claims = {"groups": ["/schools/insa-lyon", "/schools/insa-rennes/experts"]}

    with pytest.raises(TokenRejected, match="ambiguous"):
        tenant_from_claims(claims, mode=GROUPS, realm=GROUP_REALM)


@pytest.mark.parametrize(
    "groups", [None, [], ["/staff"], ["/schoolsx/insa-lyon"], ["schools/insa-lyon"], ["/schools/"]]
)
def test_no_group_under_the_prefix_carries_no_tenant(groups: list[str] | None) -> None:
    with pytest.raises(TokenRejected, match="token carries no tenant: no groups under /schools/"):
        tenant_from_claims({"groups": groups}, mode=GROUPS, realm=GROUP_REALM)


def test_custom_group_prefix_without_trailing_slash_is_honoured() -> None:
    claims = {"groups": ["/schools/insa-lyon", "/members/insa-rouen"]}

    assert tenant_from_claims(claims, mode=GROUPS, realm=GROUP_REALM, group_prefix="/members") == "insa-rouen"


def test_realm_mode_uses_the_school_realm_tenant_whatever_the_claims() -> None:
    claims = {"organization": ["insa-rennes"]}

    assert tenant_from_claims(claims, mode=TenantClaimMode.REALM, realm=SCHOOL_REALM) == "insa-lyon"


@pytest.mark.parametrize("realm", [GROUP_REALM, None], ids=["group-realm", "local-issuer"])
def test_realm_mode_without_a_school_realm_carries_no_tenant(realm: RealmConfig | None) -> None:
    with pytest.raises(TokenRejected, match="token carries no tenant"):
        tenant_from_claims({}, mode=TenantClaimMode.REALM, realm=realm)


def test_mode_given_as_its_string_value_is_accepted() -> None:
    mode: Any = "group-path"

    assert tenant_from_claims({"groups": ["/schools/insa-lyon"]}, mode=mode, realm=None) == "insa-lyon"


def test_roles_are_the_union_of_realm_and_client_roles_known_to_groupdesk() -> None:
    claims = {
        "realm_access": {"roles": ["expert", "offline_access", "uma_authorization", "default-roles-insa"]},
        "resource_access": {
            "groupdesk": {"roles": ["school-manager", "manage-things"]},
            "account": {"roles": ["manage-account", "group-admin"]},
        },
    }

    assert roles_from_claims(claims, client_id="groupdesk") == {Role.EXPERT, Role.SCHOOL_MANAGER}


def test_without_a_client_id_only_realm_roles_count() -> None:
    claims = {
        "realm_access": {"roles": ["operations"]},
        "resource_access": {"groupdesk": {"roles": ["expert"]}},
    }

    assert roles_from_claims(claims, client_id=None) == {Role.OPERATIONS}


@pytest.mark.parametrize(
    "claims",
    [
        {},
        {"realm_access": "expert"},
        {"realm_access": {"roles": "expert"}},
        {"resource_access": ["groupdesk"]},
    ],
)
def test_malformed_role_claims_grant_nothing(claims: dict[str, Any]) -> None:
    assert roles_from_claims(claims, client_id="groupdesk") == frozenset()


def test_profile_prefers_name_and_preferred_username() -> None:
    claims = {
        "sub": "u-1",
        "preferred_username": "agent-lyon",
        "email": "agent@lyon.example",
        "name": "Lyon Agent",
    }

    assert profile_from_claims(claims) == {
        "username": "agent-lyon",
        "email": "agent@lyon.example",
        "display_name": "Lyon Agent",
    }


def test_profile_builds_the_display_name_from_given_and_family_names() -> None:
    claims = {"sub": "u-1", "given_name": "Lyon", "family_name": "Agent"}

    assert profile_from_claims(claims) == {"username": "u-1", "email": None, "display_name": "Lyon Agent"}


def test_profile_of_a_bare_service_account_falls_back_to_its_subject() -> None:
    profile = profile_from_claims({"sub": "svc-9"})

    assert profile == {"username": "svc-9", "email": None, "display_name": "svc-9"}


async def test_password_grant_token_maps_to_tenant_roles_and_profile(
    verifier: TokenVerifier, school_realm: Realm
) -> None:
    form = {"grant_type": "password", "client_id": "groupdesk-portal"}
    credentials = {"username": "agent-lyon", "password": "agent-password"}
    status, issued = school_realm.grant({**form, **credentials}, None)
    assert status == 200
    verified = await verifier.verify(issued["access_token"])
    assert verified.realm is not None

    assert tenant_from_claims(verified.claims, mode=ORG, realm=verified.realm) == "insa-lyon"
    assert tenant_from_claims(verified.claims, mode=GROUPS, realm=verified.realm) == "insa-lyon"
    assert roles_from_claims(verified.claims, client_id=verified.realm.client_id) == {
        Role.SCHOOL_AGENT,
        Role.SCHOOL_MANAGER,
    }
    assert profile_from_claims(verified.claims)["display_name"] == "Lyon Agent"


async def test_service_account_roles_come_from_its_client_credentials_token(
    verifier_for: Callable[..., TokenVerifier], school_realm: Realm
) -> None:
    basic_auth = ("desk-bridge", "bridge-secret")
    status, issued = school_realm.grant({"grant_type": "client_credentials"}, basic_auth)
    assert status == 200

    verified = await verifier_for(school_realm).verify(issued["access_token"])

    assert roles_from_claims(verified.claims, client_id="groupdesk") == {Role.DESK_INTEGRATION}
