"""A ticket's comments and history come in pages: `first` of them after an id, capped."""

from __future__ import annotations

from tests.tickets.helpers import ACCOUNT_CREATION, ACCOUNT_REQUEST, COMMENT, LYON_AGENT, open_via_api

# `after` is a comment's (or, for history, an event's) global id.
PAGE = """query($id: ID!, $first: Int!, $after: ID, $afterEvent: ID) { ticket(id: $id) {
  comments(first: $first, after: $after) { id body } history(first: $first, after: $afterEvent) { id } } }"""


async def test_comments_and_history_are_read_page_by_page(gql) -> None:
    ticket = await open_via_api(gql, LYON_AGENT, ACCOUNT_CREATION, ACCOUNT_REQUEST)
    for n in range(3):
        await gql(COMMENT, {"input": {"ticketId": ticket["id"], "body": f"note {n}"}},
                  as_user=LYON_AGENT)
    everything = (await gql(PAGE, {"id": ticket["id"], "first": 50}, as_user=LYON_AGENT))["ticket"]
    assert [c["body"] for c in everything["comments"]] == ["note 0", "note 1", "note 2"]
    first = (await gql(PAGE, {"id": ticket["id"], "first": 2}, as_user=LYON_AGENT))["ticket"]
    assert first["comments"] == everything["comments"][:2]
    assert first["history"] == everything["history"][:2]
    rest = (await gql(PAGE, {"id": ticket["id"], "first": 2, "after": first["comments"][-1]["id"],
                             "afterEvent": first["history"][-1]["id"]}, as_user=LYON_AGENT))["ticket"]
    assert rest["comments"] == everything["comments"][2:]
    assert rest["history"] == everything["history"][2:4]


async def test_a_negative_first_is_refused_naming_the_field(gql) -> None:
    ticket = await open_via_api(gql, LYON_AGENT, ACCOUNT_CREATION, ACCOUNT_REQUEST)
    body = await gql(PAGE, {"id": ticket["id"], "first": -1}, as_user=LYON_AGENT,
                     expect_errors=True)
    messages = [e["message"] for e in body["errors"]]
    assert "comments: `first` must be 0 or more, got -1" in messages
