"""A ticket's comments and history are connections with the rules of every paged list."""

from __future__ import annotations

from tests.tickets.helpers import (
    ACCOUNT_CREATION,
    ACCOUNT_REQUEST,
    ADMIN,
    COMMENT,
    LYON_AGENT,
    nodes,
    open_via_api,
)

PAGE = """query($id: ID!, $first: Int, $after: String, $last: Int, $before: String,
                 $afterEvent: String) { ticket(id: $id) {
  comments(first: $first, after: $after, last: $last, before: $before) {
    totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id body } } }
  history(first: $first, after: $afterEvent) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { id } } } } }"""


async def _ticket_with_notes(gql, count: int) -> dict:
    ticket = await open_via_api(gql, LYON_AGENT, ACCOUNT_CREATION, ACCOUNT_REQUEST)
    for n in range(count):
        await gql(COMMENT, {"input": {"ticketId": ticket["id"], "body": f"note {n}"}},
                  as_user=LYON_AGENT)
    return ticket


async def _page(gql, ticket: dict, user: str = LYON_AGENT, **window) -> dict:
    return (await gql(PAGE, {"id": ticket["id"], **window}, as_user=user))["ticket"]


async def test_comments_and_history_are_read_page_by_page(gql) -> None:
    ticket = await _ticket_with_notes(gql, 3)
    everything = await _page(gql, ticket, first=50)
    assert [c["body"] for c in nodes(everything["comments"])] == ["note 0", "note 1", "note 2"]
    assert everything["comments"]["totalCount"] == 3
    assert everything["history"]["totalCount"] == len(everything["history"]["edges"]) >= 4
    first = await _page(gql, ticket, first=2)
    assert nodes(first["comments"]) == nodes(everything["comments"])[:2]
    assert first["comments"]["pageInfo"]["hasNextPage"] is True
    assert first["comments"]["pageInfo"]["hasPreviousPage"] is False
    assert nodes(first["history"]) == nodes(everything["history"])[:2]
    assert first["comments"]["totalCount"] == 3  # the whole list, whatever the page
    rest = await _page(gql, ticket, first=2, after=first["comments"]["pageInfo"]["endCursor"],
                       afterEvent=first["history"]["pageInfo"]["endCursor"])
    assert nodes(rest["comments"]) == nodes(everything["comments"])[2:]
    assert rest["comments"]["pageInfo"]["hasNextPage"] is False
    assert rest["comments"]["pageInfo"]["hasPreviousPage"] is True
    assert nodes(rest["history"]) == nodes(everything["history"])[2:4]


async def test_last_before_reads_backward_and_keeps_the_oldest_first_order(gql) -> None:
    ticket = await _ticket_with_notes(gql, 4)
    everything = await _page(gql, ticket, first=50)
    cursors = [e["cursor"] for e in everything["comments"]["edges"]]
    tail = await _page(gql, ticket, last=2)
    assert [c["body"] for c in nodes(tail["comments"])] == ["note 2", "note 3"]
    assert tail["comments"]["pageInfo"]["hasPreviousPage"] is True
    assert tail["comments"]["pageInfo"]["hasNextPage"] is False
    middle = await _page(gql, ticket, last=2, before=cursors[3])
    assert [c["body"] for c in nodes(middle["comments"])] == ["note 1", "note 2"]
    assert middle["comments"]["pageInfo"]["hasNextPage"] is True
    assert middle["comments"]["pageInfo"]["hasPreviousPage"] is True


async def test_internal_comments_are_neither_shown_nor_counted_for_the_school(gql) -> None:
    ticket = await _ticket_with_notes(gql, 1)
    await gql(COMMENT, {"input": {"ticketId": ticket["id"], "body": "internal",
                                  "visibility": "INTERNAL"}}, as_user=ADMIN)
    staff = await _page(gql, ticket, ADMIN, first=50)
    school = await _page(gql, ticket, first=50)
    assert [c["body"] for c in nodes(staff["comments"])] == ["note 0", "internal"]
    assert staff["comments"]["totalCount"] == 2
    assert [c["body"] for c in nodes(school["comments"])] == ["note 0"]
    assert school["comments"]["totalCount"] == 1
    assert school["history"]["totalCount"] == staff["history"]["totalCount"] - 1


# One list per refused query: a refused field ends the operation while its siblings may still be
# reading, and the test's shared connection would not survive their cancelled statements.
COMMENTS = """query($id: ID!, $first: Int, $after: String, $last: Int, $before: String) {
  ticket(id: $id) { comments(first: $first, after: $after, last: $last, before: $before) {
    edges { cursor } } } }"""
HISTORY = COMMENTS.replace("comments(", "history(")


def _refused_fields(body: dict) -> list[str]:
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    return [f["field"] for f in error["extensions"]["fields"]]


async def test_oversized_or_negative_pages_are_refused_naming_the_argument(gql) -> None:
    ticket = await _ticket_with_notes(gql, 1)
    for query in (COMMENTS, HISTORY):
        for window, field in (({"first": -1}, "first"), ({"first": 0}, "first"),
                              ({"first": 101}, "first"), ({"last": 1000}, "last"),
                              ({"first": 1, "last": 1}, "last")):
            body = await gql(query, {"id": ticket["id"], **window}, as_user=LYON_AGENT,
                             expect_errors=True)
            assert _refused_fields(body) == [field], (window, body)


async def test_a_cursor_of_another_list_or_another_ticket_is_refused(gql) -> None:
    ticket = await _ticket_with_notes(gql, 2)
    other = await _ticket_with_notes(gql, 2)
    page = await _page(gql, ticket, first=1)
    comment_cursor = page["comments"]["pageInfo"]["endCursor"]
    event_cursor = page["history"]["pageInfo"]["endCursor"]
    for query, window, field in (
            (COMMENTS, {"after": event_cursor}, "after"),
            (COMMENTS, {"after": "bm90IGEgY3Vyc29y"}, "after"),
            (COMMENTS, {"last": 1, "before": event_cursor}, "before"),
            (HISTORY, {"after": comment_cursor}, "after"),
            (COMMENTS, {"after": comment_cursor, "id": other["id"]}, "after")):
        body = await gql(query, {"id": ticket["id"], **window}, as_user=LYON_AGENT,
                         expect_errors=True)
        assert _refused_fields(body) == [field], window
        assert comment_cursor not in body["errors"][0]["message"]
