"""What is remembered of a document (schema.document_memo) answers each request as if it were new:
arguments are still checked with this request's variables, a cost sized by a variable follows it,
a document refused once is refused again."""

from __future__ import annotations

from tests.tickets.helpers import LYON_AGENT

SEARCH = "query($text: String) { tickets(filter: {text: $text}) { edges { cursor } } }"
PAGE = "query($n: Int) { tickets(first: $n) { edges { node { ref } } } }"
ALIASES = "{ " + " ".join(f"a{n}: viewer {{ roles }}" for n in range(40)) + " }"


async def test_the_same_document_is_checked_with_each_requests_variables(gql) -> None:
    answers = []
    for text in ("a\x00", "connexion", "b\x00"):
        answers.append(await gql(SEARCH, {"text": text}, as_user=LYON_AGENT, expect_errors=True))
    assert [a.get("errors", [{}])[0].get("extensions", {}).get("fields") for a in answers] == [
        [{"field": "filter.text", "message": "must not contain NUL characters"}], None,
        [{"field": "filter.text", "message": "must not contain NUL characters"}]]
    assert answers[1]["data"] == {"tickets": {"edges": []}}


async def test_a_cost_sized_by_a_variable_follows_the_variable(client, token_for) -> None:
    headers = {"Authorization": f"Bearer {token_for(LYON_AGENT)}"}
    costs = []
    for n in (10, 100, 10):
        body = (await client.post("/graphql", json={"query": PAGE, "variables": {"n": n}}, headers=headers)).json()
        costs.append(body["extensions"]["cost"]["requested"])
    assert costs == [1 + 1 + 10 * 2, 1 + 1 + 100 * 2, 1 + 1 + 10 * 2]


async def test_a_document_refused_once_is_refused_every_time(client, token_for) -> None:
    headers = {"Authorization": f"Bearer {token_for(LYON_AGENT)}"}
    codes = []
    for _ in range(2):
        body = (await client.post("/graphql", json={"query": ALIASES}, headers=headers)).json()
        codes.append(body["errors"][0]["extensions"]["code"])
    assert codes == ["TOO_MANY_ALIASES"] * 2
