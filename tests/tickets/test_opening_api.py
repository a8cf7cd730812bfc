"""Opening tickets through GraphQL: who may, what is checked, and that a refusal creates nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.tickets.helpers import (
    ACCOUNT_CREATION,
    ACCOUNT_REQUEST,
    ADMIN,
    LYON_AGENT,
    OPEN,
    OPERATIONS,
    PUBLICATION_FAILURE,
    RENNES_AGENT,
    ROUEN_EXPERT,
    gid,
    open_via_api,
    sub_service_gid,
)

INACTIVE = ("scenari", "Workshops", "Scenari 4 migration")


async def _total(gql) -> int:
    return (await gql("{ tickets { totalCount } }", as_user=ADMIN))["tickets"]["totalCount"]


def _number(ref: str) -> int:
    return int(ref.rsplit("-", 1)[1])


async def _school_id(gql, slug: str) -> str:
    tenants = (await gql("{ tenants { id slug } }", as_user=ADMIN))["tenants"]
    return next(t["id"] for t in tenants if t["slug"] == slug)


def _fields(result: dict[str, Any]) -> dict[str, str]:
    assert result["__typename"] == "ValidationFailed", result
    return {f["field"]: f["message"] for f in result["fields"]}


async def test_refused_openings_create_nothing_and_leave_no_gap_in_refs(gql) -> None:
    first = await open_via_api(gql, LYON_AGENT, ACCOUNT_CREATION, ACCOUNT_REQUEST)
    total = await _total(gql)
    sub = await sub_service_gid(gql, ACCOUNT_CREATION)
    refusals = [
        {"subServiceId": gid("SubService", 999999), "title": "x"},
        {"subServiceId": await sub_service_gid(gql, INACTIVE), "title": "x"},
        {"subServiceId": sub, "title": "   ", "requestData": ACCOUNT_REQUEST},
        {"subServiceId": sub, "title": "x" * 201, "description": "y" * 20_001,
         "requestData": ACCOUNT_REQUEST},
        {"subServiceId": sub, "title": "x", "requestData": {"platform": "nowhere"}},
        {"subServiceId": sub, "title": "x", "requestData": ACCOUNT_REQUEST,
         "requesterEmail": "not-an-address"},
    ]
    for input in refusals:
        result = (await gql(OPEN, {"input": input}, as_user=LYON_AGENT))["openTicket"]
        assert result["__typename"] in {"NotFound", "ValidationFailed"}, result
    assert await _total(gql) == total
    second = await open_via_api(gql, LYON_AGENT, ACCOUNT_CREATION, ACCOUNT_REQUEST)
    assert _number(second["ref"]) == _number(first["ref"]) + 1


async def test_unknown_sub_service_is_not_found(gql) -> None:
    result = (await gql(OPEN, {"input": {"subServiceId": gid("SubService", 999999), "title": "x"}},
                        as_user=LYON_AGENT))["openTicket"]
    assert result["__typename"] == "NotFound"


async def test_inactive_sub_service_is_refused_by_name(gql) -> None:
    result = await open_via_api(gql, LYON_AGENT, INACTIVE)
    assert "Scenari 4 migration" in _fields(result)["subServiceId"]


async def test_every_bad_field_is_named_at_once(gql) -> None:
    result = await open_via_api(gql, LYON_AGENT, ACCOUNT_CREATION,
                                {"account_email": "nobody", "platform": "nowhere", "extra": 1},
                                title="", description="y" * 20_001, localRef="L" * 65,
                                requesterEmail="nobody@", requesterName="N" * 201)
    fields = _fields(result)
    assert set(fields) == {"title", "description", "localRef", "requesterEmail", "requesterName",
                           "requestData.account_email", "requestData.platform",
                           "requestData.role", "requestData.extra"}
    assert fields["requestData.role"] == "required"
    assert fields["requestData.extra"] == "not a field of this form"
    # Plain words naming the field, what was expected and what was given; not jsonschema's jargon.
    assert fields["requestData.account_email"].startswith("Account holder's e-mail: not a valid e-mail address")
    assert "'nobody'" in fields["requestData.account_email"]
    assert "is not a 'email'" not in fields["requestData.account_email"]
    assert "20000" in fields["description"]


async def test_form_formats_and_nested_paths_are_checked(gql) -> None:
    bad = {"platform": "scenari-pedagogie", "item_path": "a/b", "output": "web",
           "error_message": "boom", "published_url": "no scheme here",
           "occurred_at": "yesterday"}
    fields = _fields(await open_via_api(gql, LYON_AGENT, PUBLICATION_FAILURE, bad))
    assert set(fields) == {"requestData.published_url", "requestData.occurred_at"}
    nested = dict(ACCOUNT_REQUEST, workshops=["ok", 3])
    assert set(_fields(await open_via_api(gql, LYON_AGENT, ACCOUNT_CREATION, nested))) == {
        "requestData.workshops.1"}


async def test_request_data_must_be_an_object(gql) -> None:
    result = await open_via_api(gql, LYON_AGENT, ACCOUNT_CREATION, None)
    assert "requestData.account_email" in _fields(result)  # no data: the form's required fields
    sub = await sub_service_gid(gql, ACCOUNT_CREATION)
    listed = (await gql(OPEN, {"input": {"subServiceId": sub, "title": "x",
                                         "requestData": [1, 2]}}, as_user=LYON_AGENT))
    assert _fields(listed["openTicket"]) == {"requestData": "must be a JSON object"}


async def test_priority_defaults_to_the_sub_service_and_can_be_chosen(gql) -> None:
    high = await open_via_api(gql, LYON_AGENT, PUBLICATION_FAILURE,
                              {"platform": "scenari-pedagogie", "item_path": "a", "output": "pdf",
                               "error_message": "boom"})
    assert high["priority"] == "HIGH"
    low = await open_via_api(gql, LYON_AGENT, ACCOUNT_CREATION, ACCOUNT_REQUEST, priority="LOW")
    assert low["priority"] == "LOW"


async def test_operations_open_on_behalf_of_a_school(gql) -> None:
    lyon = await _school_id(gql, "insa-lyon")
    ticket = await open_via_api(gql, OPERATIONS, ACCOUNT_CREATION, ACCOUNT_REQUEST, onBehalfOf=lyon)
    assert ticket["school"] == {"slug": "insa-lyon"}
    assert ticket["openedBy"] == {"username": OPERATIONS}
    # The school it was opened for sees it as its own.
    seen = await gql("query($id: ID!) { ticket(id: $id) { ref } }", {"id": ticket["id"]},
                     as_user=LYON_AGENT)
    assert seen["ticket"]["ref"] == ticket["ref"]


async def test_operations_must_name_the_school(gql) -> None:
    result = await open_via_api(gql, OPERATIONS, ACCOUNT_CREATION, ACCOUNT_REQUEST)
    assert "onBehalfOf" in _fields(result)
    group = await _school_id(gql, "groupe-insa")
    refused = await open_via_api(gql, OPERATIONS, ACCOUNT_CREATION, ACCOUNT_REQUEST,
                                 onBehalfOf=group)
    assert refused["__typename"] == "PermissionDenied"


@pytest.mark.parametrize("user", [ADMIN, ROUEN_EXPERT])
async def test_only_school_support_and_operations_open_tickets(gql, user: str) -> None:
    result = await open_via_api(gql, user, ACCOUNT_CREATION, ACCOUNT_REQUEST)
    assert result["__typename"] == "PermissionDenied"


async def test_a_school_cannot_open_for_another_school(gql) -> None:
    lyon = await _school_id(gql, "insa-lyon")
    result = await open_via_api(gql, RENNES_AGENT, ACCOUNT_CREATION, ACCOUNT_REQUEST,
                                onBehalfOf=lyon)
    assert result["__typename"] == "PermissionDenied"
    own = await open_via_api(gql, RENNES_AGENT, ACCOUNT_CREATION, ACCOUNT_REQUEST,
                             onBehalfOf=await _school_id(gql, "insa-rennes"))
    assert own["school"] == {"slug": "insa-rennes"}


async def test_nul_characters_are_refused_by_field_rather_than_by_the_database(gql) -> None:
    result = await open_via_api(gql, LYON_AGENT, ACCOUNT_CREATION,
                                dict(ACCOUNT_REQUEST, comment="a\x00b"), title="a\x00b")
    assert _fields(result) == {"title": "must not contain NUL characters",
                               "requestData": "must not contain NUL characters"}
