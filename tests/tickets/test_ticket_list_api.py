"""The first ticket list: newest first, keyset cursors, a total, filters on state, school, brick."""

from __future__ import annotations

from tests.tickets.helpers import (
    ACCOUNT_CREATION,
    ACCOUNT_REQUEST,
    ADMIN,
    CVL_AGENT,
    LYON_AGENT,
    ROLE_CHANGE,
    ROUEN_EXPERT,
    SYNC_ERROR,
    SYNC_REQUEST,
    open_via_api,
)

PAGE = """query($first: Int, $after: String, $filter: TicketFilter) {
  tickets(first: $first, after: $after, filter: $filter) {
    totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { ref state school { slug } brick { code } } } } }"""


async def _refs(gql, user: str, **variables) -> tuple[list[str], dict]:
    data = (await gql(PAGE, variables, as_user=user))["tickets"]
    return [e["node"]["ref"] for e in data["edges"]], data


async def test_pages_follow_each_other_newest_first_without_overlap(gql) -> None:
    opened = [(await open_via_api(gql, LYON_AGENT, ACCOUNT_CREATION, ACCOUNT_REQUEST))["ref"]
              for _ in range(5)]
    seen: list[str] = []
    after = None
    while True:
        refs, data = await _refs(gql, LYON_AGENT, first=2, after=after)
        assert data["totalCount"] == 5
        assert data["pageInfo"]["hasPreviousPage"] is (after is not None)
        seen += refs
        if not data["pageInfo"]["hasNextPage"]:
            break
        assert data["pageInfo"]["endCursor"] == data["edges"][-1]["cursor"]
        after = data["pageInfo"]["endCursor"]
    assert seen == opened[::-1]


async def test_filters_narrow_by_state_school_and_brick(gql) -> None:
    lyon = await open_via_api(gql, LYON_AGENT, ACCOUNT_CREATION, ACCOUNT_REQUEST)
    waiting = await open_via_api(gql, LYON_AGENT, ROLE_CHANGE,
                                 {"account_email": "a@insa-lyon.example.org",
                                  "platform": "scenari-pedagogie", "new_role": "reviewer"})
    cvl = await open_via_api(gql, CVL_AGENT, SYNC_ERROR, SYNC_REQUEST)
    ids = (await gql('{ tenants { id slug } bricks { id code } }', as_user=ADMIN))
    school = {t["slug"]: t["id"] for t in ids["tenants"]}
    brick = {b["code"]: b["id"] for b in ids["bricks"]}

    refs, _ = await _refs(gql, ADMIN, filter={"states": ["WAITING_FOR_APPROVAL"]})
    assert refs == [waiting["ref"]]
    refs, _ = await _refs(gql, ADMIN, filter={"schoolIds": [school["insa-cvl"]]})
    assert refs == [cvl["ref"]]
    refs, data = await _refs(gql, ADMIN, filter={"brickIds": [brick["scenari"]],
                                                 "states": ["ASSIGNED", "NEW"]})
    assert refs == [lyon["ref"]] and data["totalCount"] == 1


async def test_an_expert_lists_the_tickets_of_their_brick_from_every_school(gql) -> None:
    lyon = await open_via_api(gql, LYON_AGENT, ACCOUNT_CREATION, ACCOUNT_REQUEST)
    await open_via_api(gql, CVL_AGENT, SYNC_ERROR, SYNC_REQUEST)
    refs, _ = await _refs(gql, ROUEN_EXPERT)
    assert refs == [lyon["ref"]]


async def test_page_size_is_capped_and_bad_cursors_are_refused(gql, settings) -> None:
    too_many = await gql(PAGE, {"first": settings.max_page_size + 1}, as_user=ADMIN,
                         expect_errors=True)
    assert too_many["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "first" in too_many["errors"][0]["message"]
    garbled = await gql(PAGE, {"after": "not-a-cursor"}, as_user=ADMIN, expect_errors=True)
    assert "after" in garbled["errors"][0]["message"]


async def test_rules_are_readable(gql) -> None:
    data = await gql("{ routingRules workflowRules }", as_user=ADMIN)
    assert data["routingRules"][0].startswith("1. The most specific designation wins")
    assert any(r.startswith("APPROVE: WAITING_FOR_APPROVAL -> APPROVED") for r in
               data["workflowRules"])
