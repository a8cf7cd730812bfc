"""Comments and history events are Relay nodes: global ids, `node(id)` with the viewer's visibility."""

from __future__ import annotations

from tests.tickets.helpers import (
    ACCOUNT_CREATION,
    ACCOUNT_REQUEST,
    ADMIN,
    COMMENT,
    LYON_AGENT,
    RENNES_AGENT,
    nodes,
    open_via_api,
)

NODE = """query($id: ID!) { node(id: $id) { __typename id
  ... on TicketComment { body visibility } ... on TicketEvent { kind visibility } } }"""
THREAD = """query($id: ID!) { ticket(id: $id) { comments { edges { node { id body } } }
  history { edges { node { id kind visibility } } } } }"""


async def _comment(gql, ticket: dict, user: str, body: str, visibility: str) -> str:
    added = (await gql(COMMENT, {"input": {"ticketId": ticket["id"], "body": body,
                                           "visibility": visibility}}, as_user=user))["addComment"]
    assert added["__typename"] == "CommentAdded", added
    return added["comment"]["id"]


async def _node(gql, ident: str, user: str) -> dict | None:
    return (await gql(NODE, {"id": ident}, as_user=user))["node"]


async def test_comments_resolve_by_global_id_as_far_as_the_caller_may_read_them(gql) -> None:
    ticket = await open_via_api(gql, LYON_AGENT, ACCOUNT_CREATION, ACCOUNT_REQUEST)
    public = await _comment(gql, ticket, LYON_AGENT, "Any news?", "PUBLIC")
    internal = await _comment(gql, ticket, ADMIN, "Waiting on the platform team", "INTERNAL")
    assert public != internal and not public.isdigit()

    assert await _node(gql, public, LYON_AGENT) == {
        "__typename": "TicketComment", "id": public, "body": "Any news?", "visibility": "PUBLIC"}
    assert (await _node(gql, internal, ADMIN))["body"] == "Waiting on the platform team"
    # Internal comments are hidden from the school, and another school sees neither.
    assert await _node(gql, internal, LYON_AGENT) is None
    assert await _node(gql, public, RENNES_AGENT) is None
    assert await _node(gql, internal, RENNES_AGENT) is None
    # The ids a ticket's comments show are the ids node() takes.
    shown = nodes((await gql(THREAD, {"id": ticket["id"]}, as_user=LYON_AGENT))["ticket"]["comments"])
    assert [c["id"] for c in shown] == [public]


async def test_history_events_resolve_by_global_id_as_far_as_the_caller_may_read_them(gql) -> None:
    ticket = await open_via_api(gql, LYON_AGENT, ACCOUNT_CREATION, ACCOUNT_REQUEST)
    await _comment(gql, ticket, ADMIN, "Checking the quota", "INTERNAL")
    everything = nodes((await gql(THREAD, {"id": ticket["id"]}, as_user=ADMIN))["ticket"]["history"])
    school = nodes((await gql(THREAD, {"id": ticket["id"]}, as_user=LYON_AGENT))["ticket"]["history"])
    hidden = [e for e in everything if e["visibility"] == "INTERNAL"]
    assert hidden, everything  # the internal comment left an internal event
    assert {e["id"] for e in school} == {e["id"] for e in everything} - {e["id"] for e in hidden}
    for event in everything:
        assert (await _node(gql, event["id"], ADMIN))["kind"] == event["kind"]
        as_school = await _node(gql, event["id"], LYON_AGENT)
        assert (as_school is not None) is (event["visibility"] == "PUBLIC"), event
        assert await _node(gql, event["id"], RENNES_AGENT) is None
