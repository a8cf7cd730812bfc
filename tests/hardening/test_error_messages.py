"""The words of each refusal: the argument is named, the code is set, nothing sent is echoed back."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from server.catalog.models import Brick
from server.errors import ValidationFailed
from server.validation import json_problem, text_problem
from tests.tickets.helpers import (
    ACCOUNT_CREATION,
    ACCOUNT_REQUEST,
    ADMIN,
    ASSIGN,
    COMMENT,
    LYON_AGENT,
    OPEN,
    gid,
    open_via_api,
    sub_service_gid,
)

MISSING_SUB_SERVICE = "subServiceId: no such sub-service, or not visible to you"


async def _open_on(gql: Any, sub_service: str) -> dict[str, Any]:
    return (await gql(OPEN, {"input": {"subServiceId": sub_service, "title": "t",
                                       "requestData": ACCOUNT_REQUEST}},
                      as_user=LYON_AGENT))["openTicket"]


async def test_a_missing_sub_service_is_named_by_its_argument_without_its_number(gql) -> None:
    missing = gid("SubService", 987_654)
    payload = await _open_on(gql, missing)
    assert payload == {"__typename": "NotFound", "message": MISSING_SUB_SERVICE}
    assert "987654" not in payload["message"] and missing not in payload["message"]


@pytest.mark.parametrize("node", ["abc", "99999999999999999999", "-1", "0"])
async def test_an_id_that_cannot_name_a_row_gets_the_answer_of_a_missing_one(gql, node: str) -> None:
    assert await _open_on(gql, gid("SubService", node)) == {
        "__typename": "NotFound", "message": MISSING_SUB_SERVICE}


async def test_an_id_of_another_type_gets_the_answer_of_a_missing_one(gql) -> None:
    ticket = await open_via_api(gql, LYON_AGENT, ACCOUNT_CREATION, ACCOUNT_REQUEST)
    payload = await _open_on(gql, ticket["id"])
    assert payload == {"__typename": "NotFound", "message": MISSING_SUB_SERVICE}


async def test_a_garbled_id_is_bad_user_input_naming_the_argument(gql) -> None:
    body = await gql(OPEN, {"input": {"subServiceId": "garbage", "title": "t"}},
                     as_user=LYON_AGENT, expect_errors=True)
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["fields"][0]["field"] == "input.subServiceId"
    assert error["message"].startswith("input.subServiceId: ")
    assert "garbage" not in error["message"]


async def test_a_valid_id_followed_by_a_nul_is_not_taken_for_the_id(gql) -> None:
    sub = await sub_service_gid(gql, ACCOUNT_CREATION)
    body = await gql(OPEN, {"input": {"subServiceId": sub + "\x00", "title": "t",
                                      "requestData": ACCOUNT_REQUEST}},
                     as_user=LYON_AGENT, expect_errors=True)
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["fields"][0]["field"] == "input.subServiceId"


async def test_a_missing_assignee_and_a_missing_ticket_name_their_arguments(gql) -> None:
    ticket = await open_via_api(gql, LYON_AGENT, ACCOUNT_CREATION, ACCOUNT_REQUEST)
    assigned = (await gql(ASSIGN, {"input": {"id": ticket["id"], "version": ticket["version"],
                                             "assigneeId": gid("User", 987_654)}},
                          as_user=ADMIN))["assignTicket"]
    assert assigned["message"] == "assigneeId: no such user, or not visible to you"
    commented = (await gql(COMMENT, {"input": {"ticketId": gid("Ticket", 987_654), "body": "hi"}},
                           as_user=LYON_AGENT))["addComment"]
    assert commented["message"] == "ticketId: no such ticket, or not visible to you"


async def test_a_filter_list_longer_than_the_cap_is_bad_user_input_naming_it(gql) -> None:
    body = await gql("query($f: TicketFilter) { tickets(filter: $f) { edges { cursor } } }",
                     {"f": {"schoolIds": [gid("Tenant", i) for i in range(1, 102)]}},
                     as_user=LYON_AGENT, expect_errors=True)
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["fields"] == [
        {"field": "filter.schoolIds", "message": "at most 100 values (got 101)"}]


async def test_search_text_with_a_nul_names_the_filter_field(gql) -> None:
    body = await gql("query($t: String) { tickets(filter: {text: $t}) { edges { cursor } } }",
                     {"t": "a\x00"}, as_user=LYON_AGENT, expect_errors=True)
    assert body["errors"][0]["extensions"] == {
        "code": "BAD_USER_INPUT",
        "fields": [{"field": "filter.text", "message": "must not contain NUL characters"}]}


@pytest.mark.parametrize(("body", "words"), [
    (b"null", "the request body must be a JSON object"),
    (b"[]", "(got an array)"),
    (b'{"query": "{ viewer { roles } }", "variables": "x"}', "`variables` must be an object"),
    (b'{"query": "\xff"}', "not valid UTF-8"),
    (('{"query": "{ viewer { roles } }", "variables": {"a": ' + "[" * 65 + "]" * 65 + "}}").encode(),
     "`variables` is nested deeper than 64 levels"),
])
async def test_a_body_that_is_not_a_graphql_request_is_a_400_saying_why(client, token_for, body: bytes,
                                                                         words: str) -> None:
    response = await client.post("/graphql", content=body, headers={
        "Authorization": f"Bearer {token_for(LYON_AGENT)}", "content-type": "application/json"})
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": "BAD_REQUEST"}
    assert words in error["message"]


async def test_several_operations_without_a_name_run_none(gql) -> None:
    document = ("query Read { viewer { roles } } mutation Open($input: OpenTicketInput!) "
                "{ openTicket(input: $input) { __typename } }")
    sub = await sub_service_gid(gql, ACCOUNT_CREATION)
    body = await gql(document, {"input": {"subServiceId": sub, "title": "t",
                                          "requestData": ACCOUNT_REQUEST}},
                     as_user=LYON_AGENT, expect_errors=True)
    assert body["data"] is None
    assert "operationName" in body["errors"][0]["message"]
    listed = await gql("{ tickets { edges { cursor } } }", as_user=LYON_AGENT)
    assert listed["tickets"]["edges"] == []


def test_text_and_json_problems_are_named() -> None:
    assert text_problem("a\x00") == "must not contain NUL characters"
    assert "lone surrogate" in (text_problem("\udc00") or "")
    assert text_problem("é 😀") is None
    nested: Any = 1
    for _ in range(5_000):
        nested = [nested]
    assert json_problem(nested) == (["0"] * 200, "nested deeper than 200 levels")
    assert json_problem({"a": {"b": "\ud800"}})[0] == ["a", "b"]  # type: ignore[index]
    assert json.dumps(json_problem({"k\x00": 1})) == '[["k\\\\x00"], "key must not contain NUL characters"]'


async def test_the_flush_guard_names_a_column_no_service_checked(session: AsyncSession) -> None:
    session.add(Brick(code="guarded", name="Name\x00"))
    with pytest.raises(ValidationFailed) as refused:
        await session.flush()
    assert refused.value.errors[0].field == "name"
    await session.rollback()
