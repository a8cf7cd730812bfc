"""Ticket lists: filters, orders and keyset pages, always inside the caller's visibility.

A page is read with one statement (limit + 1 rows), plus one cheap EXISTS when a cursor is given
(is there anything on the other side of it?); the total is counted only when asked for. No
offsets: a page after a cursor costs the same on page 1 and on page 5,000.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.catalog.models import Priority
from server.errors import ValidationFailed
from server.tickets import search
from server.tickets.access import visible_tickets
from server.tickets.models import Ticket
from server.tickets.ordering import Key, TicketOrder, decode_cursor, encode_cursor
from server.tickets.workflow import TicketState
from server.validation import Checks, text_problem
from tenants import policy
from tenants.context import Principal

DEFAULT_PAGE_SIZE = 20


@dataclass(frozen=True, slots=True)
class TicketFilter:
    """Conditions a list applies on top of visibility; an empty or None field does not filter.

    Ranges include their lower bound and exclude their upper one (`created_after` <= created_at
    < `created_before`), so consecutive ranges never count a ticket twice.
    """

    states: frozenset[TicketState] = frozenset()
    tenant_ids: frozenset[int] = frozenset()
    brick_ids: frozenset[int] = frozenset()
    service_ids: frozenset[int] = frozenset()
    sub_service_ids: frozenset[int] = frozenset()
    assignee_ids: frozenset[int] = frozenset()
    # True: nobody is assigned; False: somebody is.
    unassigned: bool | None = None
    priorities: frozenset[Priority] = frozenset()
    # True: escalation level above 0; False: not escalated.
    escalated: bool | None = None
    min_escalation_level: int | None = None
    created_after: dt.datetime | None = None
    created_before: dt.datetime | None = None
    updated_after: dt.datetime | None = None
    updated_before: dt.datetime | None = None
    text: str | None = None

    def check(self) -> None:
        """Refuse what cannot be a filter, naming the API field."""
        checks = Checks()
        for name, value in (("createdAfter", self.created_after),
                            ("createdBefore", self.created_before),
                            ("updatedAfter", self.updated_after),
                            ("updatedBefore", self.updated_before)):
            if value is not None and value.tzinfo is None:
                checks.add(name, "give a time zone (e.g. 2026-11-21T08:00:00Z)")
        for lower, upper, name in ((self.created_after, self.created_before, "createdBefore"),
                                   (self.updated_after, self.updated_before, "updatedBefore")):
            if (lower is not None and upper is not None and lower.tzinfo and upper.tzinfo
                    and upper <= lower):
                checks.add(name, "must be later than the lower bound")
        if self.min_escalation_level is not None and self.min_escalation_level < 0:
            checks.add("minEscalationLevel", "must be 0 or more")
        if self.text is not None and len(self.text) > search.TEXT_MAX:
            checks.add("text", f"at most {search.TEXT_MAX} characters")
        elif self.text is not None and (problem := text_problem(self.text)) is not None:
            checks.add("text", problem)
        checks.done()

    def conditions(self) -> list[ColumnElement[bool]]:
        """The SQL conditions of every field but `text` (which needs the dialect and the scope)."""
        found: list[ColumnElement[bool]] = []
        for column, values in ((Ticket.state, self.states), (Ticket.tenant_id, self.tenant_ids),
                               (Ticket.brick_id, self.brick_ids),
                               (Ticket.service_id, self.service_ids),
                               (Ticket.sub_service_id, self.sub_service_ids),
                               (Ticket.assignee_id, self.assignee_ids),
                               (Ticket.priority, self.priorities)):
            if values:
                found.append(column.in_(sorted(values)))
        if self.unassigned is not None:
            found.append(Ticket.assignee_id.is_(None) if self.unassigned
                         else Ticket.assignee_id.is_not(None))
        if self.escalated is not None:
            found.append(Ticket.escalation_level > 0 if self.escalated
                         else Ticket.escalation_level == 0)
        if self.min_escalation_level is not None:
            found.append(Ticket.escalation_level >= self.min_escalation_level)
        for stamp, lower, upper in ((Ticket.created_at, self.created_after, self.created_before),
                                    (Ticket.updated_at, self.updated_after, self.updated_before)):
            if lower is not None:
                found.append(stamp >= lower)
            if upper is not None:
                found.append(stamp < upper)
        return found


@dataclass(frozen=True, slots=True)
class PageArgs:
    """Relay's window: `first` after a cursor (forward) or `last` before one (backward)."""

    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None

    def size(self, max_page_size: int) -> tuple[int, bool]:
        """The page size and whether the page is read backward."""
        if self.first is not None and self.last is not None:
            raise ValidationFailed({"last": "give first or last, not both"})
        name, value = ("last", self.last) if self.last is not None else ("first", self.first)
        if value is None:
            return min(DEFAULT_PAGE_SIZE, max_page_size), False
        if not 1 <= value <= max_page_size:
            raise ValidationFailed({name: f"must be between 1 and {max_page_size} "
                                          "(the largest page)"})
        return value, name == "last"


@dataclass(frozen=True, slots=True)
class TicketPage:
    tickets: list[Ticket]
    cursors: list[str]
    has_next_page: bool
    has_previous_page: bool
    # Every condition of the list (visibility included), for counting its whole length.
    where: tuple[ColumnElement[bool], ...] = field(default=(), repr=False)


async def where_visible(session: AsyncSession, *, viewer: Principal,
                        filter: TicketFilter) -> list[ColumnElement[bool]]:
    """Visibility, then the filter: the conditions every ticket list starts from."""
    filter.check()
    scope = policy.ticket_scope(viewer)
    where = [visible_tickets(scope), *filter.conditions()]
    if filter.text is not None:
        matched = search.text_condition(session.get_bind().dialect.name, filter.text, scope)
        if matched is not None:
            where.append(matched)
            await search.plan_for_each_search(session)
    return where


async def _exists(session: AsyncSession, where: Sequence[ColumnElement[bool]]) -> bool:
    return await session.scalar(select(Ticket.id).where(*where).limit(1)) is not None


async def read_page(session: AsyncSession, where: Sequence[ColumnElement[bool]], *,
                    order: TicketOrder, page: PageArgs, max_page_size: int) -> TicketPage:
    """One keyset page of the tickets matching `where`, in `order`."""
    size, backward = page.size(max_page_size)
    after: tuple[Key, int] | None = None
    before: tuple[Key, int] | None = None
    bounds: list[ColumnElement[bool]] = []
    if page.after is not None:
        after = decode_cursor(order, page.after, "after")
        bounds.append(order.beyond(*after))
    if page.before is not None:
        before = decode_cursor(order, page.before, "before")
        bounds.append(order.beyond(*before, reverse=True))
    rows = list(await session.scalars(
        select(Ticket).where(*where, *bounds).order_by(*order.sort(reverse=backward))
        .limit(size + 1)))
    more = len(rows) > size
    rows = rows[:size]
    if backward:
        rows.reverse()
        has_previous = more
        has_next = before is not None and await _exists(
            session, [*where, order.beyond(*before, inclusive=True)])
    else:
        has_next = more
        has_previous = after is not None and await _exists(
            session, [*where, order.beyond(*after, reverse=True, inclusive=True)])
    return TicketPage(tickets=rows, cursors=[encode_cursor(order, t) for t in rows],
                      has_next_page=has_next, has_previous_page=has_previous, where=tuple(where))


async def count(session: AsyncSession, page: TicketPage) -> int:
    """How many tickets the whole list holds, with the page's filters and visibility."""
    return await session.scalar(
        select(func.count()).select_from(Ticket).where(*page.where)) or 0


async def list_tickets(session: AsyncSession, *, viewer: Principal,
                       filter: TicketFilter | None = None, order: TicketOrder | None = None,
                       page: PageArgs | None = None, max_page_size: int = 100) -> TicketPage:
    """A page of the tickets the viewer may see, filtered and ordered (newest first by default)."""
    where = await where_visible(session, viewer=viewer, filter=filter or TicketFilter())
    return await read_page(session, where, order=order or TicketOrder(),
                           page=page or PageArgs(), max_page_size=max_page_size)
