"""Keyset pages: every order, both ways, no gap and no duplicate even when order keys tie."""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest

from server.catalog.models import Priority
from server.errors import ValidationFailed
from server.tickets import listing
from server.tickets.listing import PageArgs, TicketFilter
from server.tickets.models import PRIORITY_RANK, Ticket
from server.cursors import decode_cursor, encode_cursor
from server.tickets.ordering import Direction, OrderField, TicketOrder
from tests.tickets.helpers import ADMIN, principal
from tests.tickets.listing_helpers import BASE_TIME, insert_ticket

ORDERS = [TicketOrder(f, d) for f in OrderField for d in Direction]
PRIORITIES = list(Priority)


@pytest.fixture
async def tickets(session) -> list[Ticket]:
    """23 tickets whose created, updated, priority and SLA due values tie in groups of up to four
    (a few with no running clock, sorting after every due time)."""
    made = []
    for n in range(23):
        ticket = await insert_ticket(
            session, title=f"t{n}", priority=PRIORITIES[n % 4],
            created_at=BASE_TIME + dt.timedelta(minutes=n // 4),
            updated_at=BASE_TIME + dt.timedelta(minutes=(n * 7) % 5))
        if n % 6:
            ticket.sla_due_key = BASE_TIME + dt.timedelta(hours=(n * 3) % 5)
        made.append(ticket)
    await session.flush()
    return made


def _expected(tickets: list[Ticket], order: TicketOrder) -> list[int]:
    def key(t: Ticket) -> tuple:
        value = {OrderField.CREATED_AT: t.created_at, OrderField.UPDATED_AT: t.updated_at,
                 OrderField.PRIORITY: PRIORITY_RANK[t.priority],
                 OrderField.SLA_DUE_AT: t.sla_due_key}[order.field]
        return value, t.id
    return [t.id for t in sorted(tickets, key=key, reverse=order.direction is Direction.DESC)]


async def _walk(session, viewer, order: TicketOrder, *, backward: bool, size: int) -> list[int]:
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        args = (PageArgs(last=size, before=cursor) if backward
                else PageArgs(first=size, after=cursor))
        page = await listing.list_tickets(session, viewer=viewer, order=order, page=args)
        ids = [t.id for t in page.tickets]
        seen = ids + seen if backward else seen + ids
        pages += 1
        more = page.has_previous_page if backward else page.has_next_page
        # The other side of the cursor is known too.
        assert (page.has_next_page if backward else page.has_previous_page) is (cursor is not None)
        if not more:
            return seen
        cursor = page.cursors[0] if backward else page.cursors[-1]
        assert pages < 50


@pytest.mark.parametrize("order", ORDERS, ids=lambda o: f"{o.field}-{o.direction}")
async def test_pages_forward_and_backward_cover_the_order_exactly(session, tickets, order) -> None:
    viewer = await principal(session, ADMIN)
    expected = _expected(tickets, order)
    assert await _walk(session, viewer, order, backward=False, size=4) == expected
    assert await _walk(session, viewer, order, backward=True, size=4) == expected
    assert await _walk(session, viewer, order, backward=False, size=23) == expected


async def test_after_and_before_together_bound_the_page(session, tickets) -> None:
    viewer = await principal(session, ADMIN)
    order = TicketOrder()
    expected = _expected(tickets, order)
    by_id = {t.id: t for t in tickets}
    after, before = encode_cursor(order, by_id[expected[3]]), encode_cursor(order, by_id[expected[9]])
    page = await listing.list_tickets(session, viewer=viewer, order=order,
                                      page=PageArgs(first=20, after=after, before=before))
    assert [t.id for t in page.tickets] == expected[4:9]
    assert (page.has_previous_page, page.has_next_page) == (True, False)
    page = await listing.list_tickets(session, viewer=viewer, order=order,
                                      page=PageArgs(last=2, after=after, before=before))
    assert [t.id for t in page.tickets] == expected[7:9]
    assert (page.has_previous_page, page.has_next_page) == (True, True)


async def test_a_page_after_a_ticket_that_left_the_filter_still_continues(session, tickets) -> None:
    viewer = await principal(session, ADMIN)
    order = TicketOrder()
    expected = _expected(tickets, order)
    first = await listing.list_tickets(session, viewer=viewer, page=PageArgs(first=5))
    # The last ticket of the page is closed meanwhile and no longer matches the NEW filter.
    gone = first.tickets[-1]
    gone.state = "CLOSED"
    await session.flush()
    page = await listing.list_tickets(
        session, viewer=viewer, filter=TicketFilter(states=frozenset({"NEW"})),
        page=PageArgs(first=5, after=first.cursors[-1]))
    assert [t.id for t in page.tickets] == expected[5:10]


async def test_page_size_is_capped_and_names_the_argument(session) -> None:
    viewer = await principal(session, ADMIN)
    for args, field in ((PageArgs(first=101), "first"), (PageArgs(first=0), "first"),
                        (PageArgs(last=500), "last"), (PageArgs(last=-1), "last"),
                        (PageArgs(first=5, last=5), "last")):
        with pytest.raises(ValidationFailed) as refused:
            await listing.list_tickets(session, viewer=viewer, page=args, max_page_size=100)
        assert [e.field for e in refused.value.errors] == [field], args
    page = await listing.list_tickets(session, viewer=viewer, page=PageArgs(first=100))
    assert page.tickets == []


def _tampered(cursor: str, change) -> str:
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    mac, payload = raw[:8], json.loads(raw[8:])
    return base64.urlsafe_b64encode(mac + json.dumps(change(payload)).encode()).decode()


async def test_edited_garbled_or_foreign_cursors_are_refused(session, tickets) -> None:
    viewer = await principal(session, ADMIN)
    page = await listing.list_tickets(session, viewer=viewer, page=PageArgs(first=2))
    good = page.cursors[-1]
    bad = [
        "", "nonsense", "!!!", good[:-3], good + "AA", good.upper(),
        _tampered(good, lambda p: [p[0], p[1], p[2] - 1]),
        _tampered(good, lambda p: [p[0], "2020-01-01T00:00:00+00:00", p[2]]),
        base64.urlsafe_b64encode(b"12345678" + b'["CREATED_AT","x",1]').decode(),
    ]
    for cursor in bad:
        for args, field in ((PageArgs(after=cursor), "after"),
                            (PageArgs(last=2, before=cursor), "before")):
            with pytest.raises(ValidationFailed) as refused:
                await listing.list_tickets(session, viewer=viewer, page=args)
            assert [e.field for e in refused.value.errors] == [field], cursor
            assert "not a cursor of this list" in refused.value.message
    with pytest.raises(ValidationFailed) as refused:
        await listing.list_tickets(session, viewer=viewer, page=PageArgs(after=good),
                                   order=TicketOrder(OrderField.PRIORITY))
    assert "ordered by PRIORITY" in refused.value.errors[0].message


def test_a_cursor_is_written_as_before_so_issued_cursors_stay_valid() -> None:
    """The bytes of a cursor do not change with how they are computed: a client's saved cursor
    (written by the earlier json.dumps and hmac.digest) still names the same position."""
    class Row:
        id = 123456
        created_at = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)

    issued = "yPE5tAPclNtbIkNSRUFURURfQVQiLCIyMDI2LTAzLTAxVDA4OjAwOjAwKzAwOjAwIiwxMjM0NTZd"
    assert encode_cursor(TicketOrder(), Row()) == issued
    assert decode_cursor(TicketOrder(), issued, "after") == (Row.created_at, Row.id)
