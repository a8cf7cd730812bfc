"""Ticket lists: filters, orders and keyset pages, always inside the caller's visibility.

Pages are server.pagination's, like every list of the API: one statement a page, no offsets.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select
from sqlalchemy.ext.asyncio import AsyncSession

from server import pagination
from server.catalog.models import Priority
from server.pagination import DEFAULT_PAGE_SIZE, Page, PageArgs
from server.tickets import search
from server.tickets.access import visible_tickets
from server.tickets.models import SlaState, Ticket
from server.tickets.ordering import TicketOrder
from server.tickets.workflow import TicketState
from server.validation import Checks, text_problem
from tenants import policy
from tenants.context import Principal
from tenants.i18n.messages import Message

__all__ = ["DEFAULT_PAGE_SIZE", "PageArgs", "TicketFilter", "TicketPage", "list_tickets"]


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
    # The stored SLA state (the sweep moves it on as clocks cross 75% and 100%).
    sla_states: frozenset[SlaState] = frozenset()
    # Tickets whose running clock falls due before this instant (take, then resolve).
    due_before: dt.datetime | None = None
    # The last fulfilment status automation reported, and whether it is an error.
    fulfilment_statuses: frozenset[str] = frozenset()
    fulfilment_error: bool | None = None

    def check(self) -> None:
        """Refuse what cannot be a filter, naming the API field."""
        checks = Checks()
        for name, value in (("createdAfter", self.created_after),
                            ("createdBefore", self.created_before),
                            ("updatedAfter", self.updated_after),
                            ("updatedBefore", self.updated_before),
                            ("dueBefore", self.due_before)):
            if value is not None and value.tzinfo is None:
                checks.add(name, Message("give a time zone (e.g. 2026-11-21T08:00:00Z)"))
        for lower, upper, name in ((self.created_after, self.created_before, "createdBefore"),
                                   (self.updated_after, self.updated_before, "updatedBefore")):
            if (lower is not None and upper is not None and lower.tzinfo and upper.tzinfo
                    and upper <= lower):
                checks.add(name, Message("must be later than the lower bound"))
        if self.min_escalation_level is not None and self.min_escalation_level < 0:
            checks.add("minEscalationLevel", Message("must be 0 or more"))
        if self.text is not None and len(self.text) > search.TEXT_MAX:
            checks.add("text", Message("at most {limit} characters", limit=search.TEXT_MAX))
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
                               (Ticket.priority, self.priorities),
                               (Ticket.sla_state, self.sla_states),
                               (Ticket.fulfilment_status, self.fulfilment_statuses)):
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
        if self.fulfilment_error is not None:
            found.append(Ticket.fulfilment_error.is_(True) if self.fulfilment_error
                         else Ticket.fulfilment_error.is_(False))
        if self.due_before is not None:
            found.append(Ticket.sla_due_key < self.due_before)
        for stamp, lower, upper in ((Ticket.created_at, self.created_after, self.created_before),
                                    (Ticket.updated_at, self.updated_after, self.updated_before)):
            if lower is not None:
                found.append(stamp >= lower)
            if upper is not None:
                found.append(stamp < upper)
        return found


class TicketPage(Page[Ticket]):
    """A page of tickets (server.pagination.Page, its rows named for what they are)."""

    __slots__ = ()

    @property
    def tickets(self) -> list[Ticket]:
        return self.rows


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


async def read_page(session: AsyncSession, where: Sequence[ColumnElement[bool]], *,
                    order: TicketOrder, page: PageArgs, max_page_size: int,
                    statement: Select[Any] | None = None) -> TicketPage:
    """One keyset page of the tickets matching `where`, in `order` (plain rows of `statement`
    when given: server.pagination.read_page)."""
    found: TicketPage = await pagination.read_page(
        session, Ticket, where, order=order, page=page, max_page_size=max_page_size,
        into=TicketPage, statement=statement)
    return found


async def count(session: AsyncSession, page: TicketPage) -> int:
    """How many tickets the whole list holds, with the page's filters and visibility."""
    return await page.total(session)


async def list_tickets(session: AsyncSession, *, viewer: Principal,
                       filter: TicketFilter | None = None, order: TicketOrder | None = None,
                       page: PageArgs | None = None, max_page_size: int = 100,
                       statement: Select[Any] | None = None) -> TicketPage:
    """A page of the tickets the viewer may see, filtered and ordered (newest first by default)."""
    where = await where_visible(session, viewer=viewer, filter=filter or TicketFilter())
    return await read_page(session, where, order=order or TicketOrder(),
                           page=page or PageArgs(), max_page_size=max_page_size,
                           statement=statement)
