"""A document's arguments are walked once; each request's variables are still checked, each time."""

from __future__ import annotations

from tests.tickets.helpers import ADMIN

QUERY = ('query($r: String!, $f: TicketFilter) { ticketByRef(ref: $r) { id } '
         'tickets(filter: $f, first: 1) { totalCount } '
         'again: tickets(filter: {text: "a\\u0000"}, first: 1) { totalCount } }')


def fields(body: dict) -> list[str]:
    return [f["field"] for e in body["errors"] for f in e["extensions"]["fields"]]


async def test_the_same_document_checks_each_requests_variables(gql) -> None:
    clean = await gql(QUERY, {"r": "GRP-2026-000001", "f": {"text": "account"}}, as_user=ADMIN,
                      expect_errors=True)
    # The literal's problem is the document's own: on every request, in document order.
    assert fields(clean) == ["filter.text"]
    dirty = await gql(QUERY, {"r": "GRP\x00", "f": {"text": "account\x00"}}, as_user=ADMIN,
                      expect_errors=True)
    assert fields(dirty) == ["ref", "filter.text", "filter.text"]
    assert [e["path"] if "path" in e else None for e in dirty["errors"]] == [None, None, None]
    again = await gql(QUERY, {"r": "GRP-2026-000001", "f": None}, as_user=ADMIN, expect_errors=True)
    assert fields(again) == ["filter.text"]
