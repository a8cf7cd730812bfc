"""Another school's users get nothing of a ticket: no data, no error that reveals it exists."""

from __future__ import annotations

import pytest

from tests.tickets.helpers import (
    ACCOUNT_CREATION,
    ACCOUNT_REQUEST,
    ADMIN,
    ANSWER,
    APPROVE,
    ASSIGN,
    CLOSE,
    COMMENT,
    ESCALATE,
    HOLD,
    LYON_AGENT,
    READ,
    REJECT,
    RENNES_AGENT,
    RENNES_EXPERT,
    RENNES_MANAGER,
    REOPEN,
    RESOLVE,
    RESUME,
    ROUEN_EXPERT,
    SET_PRIORITY,
    START,
    TAKE,
    gid,
    open_via_api,
)

OUTSIDERS = [RENNES_AGENT, RENNES_MANAGER, RENNES_EXPERT]


@pytest.fixture
async def lyon_ticket(gql) -> dict:
    ticket = await open_via_api(gql, LYON_AGENT, ACCOUNT_CREATION, ACCOUNT_REQUEST)
    assert ticket["__typename"] == "Ticket"
    return ticket


@pytest.mark.parametrize("outsider", OUTSIDERS)
async def test_other_school_reads_nothing_by_id_ref_node_or_list(gql, lyon_ticket,
                                                                  outsider) -> None:
    data = await gql("""query($id: ID!, $ref: String!) {
        ticket(id: $id) { id } ticketByRef(ref: $ref) { id } node(id: $id) { id }
        tickets(first: 100) { totalCount edges { node { id ref } } } }""",
                     {"id": lyon_ticket["id"], "ref": lyon_ticket["ref"]}, as_user=outsider)
    assert data["ticket"] is None and data["ticketByRef"] is None and data["node"] is None
    assert lyon_ticket["ref"] not in {e["node"]["ref"] for e in data["tickets"]["edges"]}
    # Filtering on the other school does not help either.
    lyon = (await gql("{ viewer { tenant { id } } }", as_user=LYON_AGENT))["viewer"]["tenant"]["id"]
    filtered = await gql("query($s: ID!) { tickets(filter: {schoolIds: [$s]}) { totalCount } }",
                         {"s": lyon}, as_user=outsider)
    assert filtered["tickets"]["totalCount"] == 0


async def test_the_school_and_the_group_do_read_it(gql, lyon_ticket) -> None:
    for user in (LYON_AGENT, ROUEN_EXPERT, ADMIN, "xaviere.lamboulin"):
        data = await gql("query($id: ID!, $ref: String!) { ticket(id: $id) { ref } "
                         "ticketByRef(ref: $ref) { ref } node(id: $id) { ... on Ticket { ref } } }",
                         {"id": lyon_ticket["id"], "ref": lyon_ticket["ref"]}, as_user=user)
        assert data == {"ticket": {"ref": lyon_ticket["ref"]},
                        "ticketByRef": {"ref": lyon_ticket["ref"]},
                        "node": {"ref": lyon_ticket["ref"]}}


def _inputs(ticket: dict, assignee: str) -> list[tuple[str, str, dict]]:
    base = {"id": ticket["id"], "version": ticket["version"]}
    return [
        ("takeTicket", TAKE, base),
        ("assignTicket", ASSIGN, {**base, "assigneeId": assignee}),
        ("startTicket", START, base),
        ("holdTicket", HOLD, {**base, "reason": "?"}),
        ("answerTicket", ANSWER, {**base, "message": "!"}),
        ("resumeTicket", RESUME, base),
        ("resolveTicket", RESOLVE, {**base, "solution": "done"}),
        ("reopenTicket", REOPEN, base),
        ("closeTicket", CLOSE, base),
        ("approveTicket", APPROVE, base),
        ("rejectTicket", REJECT, {**base, "reason": "no"}),
        ("setPriority", SET_PRIORITY, {**base, "priority": "CRITICAL"}),
        ("escalateTicket", ESCALATE, {**base, "reason": "slow"}),
        ("addComment", COMMENT, {"ticketId": ticket["id"], "body": "hello?"}),
    ]


@pytest.mark.parametrize("outsider", OUTSIDERS)
async def test_every_mutation_by_another_school_is_not_found_and_changes_nothing(
        gql, lyon_ticket, outsider) -> None:
    before = (await gql(READ, {"id": lyon_ticket["id"]}, as_user=ADMIN))["ticket"]
    fanny = (await gql('{ experts { user { id username } } }', as_user=ADMIN))["experts"]
    assignee = next(d["user"]["id"] for d in fanny if d["user"]["username"] == RENNES_EXPERT)
    for name, mutation, input in _inputs(lyon_ticket, assignee):
        result = (await gql(mutation, {"input": input}, as_user=outsider))[name]
        assert result["__typename"] == "NotFound", (name, result)
        assert lyon_ticket["ref"] not in result["message"]
    after = (await gql(READ, {"id": lyon_ticket["id"]}, as_user=ADMIN))["ticket"]
    assert after == before


async def test_unknown_and_foreign_ids_read_as_null_and_mutate_as_not_found(gql) -> None:
    missing = gid("Ticket", 987654)
    viewer = await gql("{ viewer { tenant { id } } }", as_user=LYON_AGENT)
    tenant = viewer["viewer"]["tenant"]["id"]
    for ident in (missing, tenant):
        assert (await gql("query($id: ID!) { ticket(id: $id) { id } }", {"id": ident},
                          as_user=ADMIN))["ticket"] is None
        result = (await gql(START, {"input": {"id": ident, "version": 1}},
                            as_user=ADMIN))["startTicket"]
        assert result["__typename"] == "NotFound"
    refs = await gql('{ ticketByRef(ref: "GRP-1999-000001") { id } '
                     'a: ticketByRef(ref: "nonsense") { id } }', as_user=ADMIN)
    assert refs == {"ticketByRef": None, "a": None}
