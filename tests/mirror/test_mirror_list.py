"""`mirrors` pages like every list: both ways, signed cursors, totalCount, oversized pages refused."""

from __future__ import annotations

from sqlalchemy import select

from server.mirror.models import Mirror, MirrorStatus
from server.tickets.models import Ticket
from tenants.desks.base import DeskKind
from tests.tickets.helpers import ADMIN, LYON_AGENT
from tests.tickets.listing_helpers import insert_ticket

PAGE = """query($first: Int, $after: String, $last: Int, $before: String) {
  mirrors(status: PAUSED, first: $first, after: $after, last: $last, before: $before) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { status ticket { ref } } } } }"""
TICKETS = "{ tickets(first: 1) { pageInfo { endCursor } } }"


async def _paused_mirrors(session, count: int) -> list[str]:
    for n in range(count):
        ticket = await insert_ticket(session, title=f"Mirrored {n}")
        session.add(Mirror(ticket_id=ticket.id, tenant_id=ticket.tenant_id,
                           desk_kind=DeskKind.ITOP, status=MirrorStatus.PAUSED,
                           last_error="credential token: not set"))
    await session.flush()
    rows = await session.execute(select(Ticket.ref).join(Mirror, Mirror.ticket_id == Ticket.id)
                                 .where(Mirror.status == MirrorStatus.PAUSED).order_by(Mirror.id))
    return [ref for (ref,) in rows]


def _refs(page: dict) -> list[str]:
    return [e["node"]["ticket"]["ref"] for e in page["edges"]]


async def test_mirrors_are_read_forward_and_backward_with_their_total(session, gql) -> None:
    expected = await _paused_mirrors(session, 5)
    seen: list[str] = []
    after = None
    while True:
        page = (await gql(PAGE, {"first": 2, "after": after}, as_user=ADMIN))["mirrors"]
        assert page["totalCount"] == len(expected)
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        seen += _refs(page)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == expected

    tail = (await gql(PAGE, {"last": 2}, as_user=ADMIN))["mirrors"]
    assert _refs(tail) == expected[-2:]
    assert tail["pageInfo"]["hasPreviousPage"] is True and tail["pageInfo"]["hasNextPage"] is False
    before = (await gql(PAGE, {"last": 2, "before": tail["pageInfo"]["startCursor"]},
                        as_user=ADMIN))["mirrors"]
    assert _refs(before) == expected[-4:-2]
    assert before["pageInfo"]["hasNextPage"] is True


def _refused(body: dict) -> list[str]:
    assert body["data"] is None, body
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    return [f["field"] for f in error["extensions"]["fields"]]


async def test_an_unusable_window_is_refused_naming_the_argument(session, gql) -> None:
    await _paused_mirrors(session, 1)
    # Once clamped to the largest page without a word; now refused like a ticket list's.
    for variables, field in (({"first": 1000}, "first"), ({"first": -5}, "first"),
                             ({"last": 0}, "last"), ({"first": 1, "last": 1}, "last"),
                             ({"after": "bWlycm9yOjE"}, "after"), ({"last": 1, "before": "x"}, "before")):
        body = await gql(PAGE, variables, as_user=ADMIN, expect_errors=True)
        assert _refused(body) == [field], variables


async def test_a_cursor_of_another_list_is_not_a_mirror_cursor(session, gql) -> None:
    await _paused_mirrors(session, 1)
    ticket_cursor = (await gql(TICKETS, as_user=ADMIN))["tickets"]["pageInfo"]["endCursor"]
    assert ticket_cursor is not None
    body = await gql(PAGE, {"after": ticket_cursor}, as_user=ADMIN, expect_errors=True)
    assert _refused(body) == ["after"]
    assert "not a cursor of this list" in body["errors"][0]["message"]


async def test_other_callers_get_an_empty_list_counted_zero(session, gql) -> None:
    await _paused_mirrors(session, 2)
    page = (await gql(PAGE, {"first": 10}, as_user=LYON_AGENT))["mirrors"]
    assert page["edges"] == [] and page["totalCount"] == 0
    assert page["pageInfo"]["hasNextPage"] is False
