"""Ticket lists over GraphQL: `tickets` and `myQueue`, filtered, ordered, by keyset pages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

import strawberry
from strawberry import relay

from schema.context import Info
from schema.ids import node_id
from schema import pagination
from schema.errors import BadInput
from schema.pagination import PAGING
from schema.catalog.types import Priority
from schema.sla.types import SlaState
from schema.tickets.types import Ticket, TicketConnection, TicketState
from server.errors import GroupdeskError, ValidationFailed
from server.tickets import listing, queue
from server.pagination import PageArgs
from server.tickets.listing import TicketPage
from server.tickets.ordering import Direction, OrderField
from server.tickets.ordering import TicketOrder as Order
from tenants.i18n.messages import Message

TicketOrderField = strawberry.enum(OrderField, name="TicketOrderField",
                                   description="What a ticket list is sorted by; PRIORITY is by "
                                               "urgency, CRITICAL highest; SLA_DUE_AT by the next "
                                               "due time of a running SLA clock, tickets without "
                                               "one last (ascending).")
OrderDirection = strawberry.enum(Direction, name="OrderDirection")


@strawberry.input(description="Narrow a ticket list; a missing or empty field does not filter. "
                              "Ranges include their lower bound and exclude their upper one.")
class TicketFilter:
    states: list[TicketState] | None = None
    school_ids: list[relay.GlobalID] | None = None
    brick_ids: list[relay.GlobalID] | None = None
    service_ids: list[relay.GlobalID] | None = None
    sub_service_ids: list[relay.GlobalID] | None = None
    assignee_ids: list[relay.GlobalID] | None = None
    unassigned: bool | None = strawberry.field(
        default=None, description="true: nobody is assigned; false: somebody is.")
    priorities: list[Priority] | None = None
    escalated: bool | None = strawberry.field(
        default=None, description="true: escalated (level above 0); false: not escalated.")
    min_escalation_level: int | None = None
    created_after: dt.datetime | None = None
    created_before: dt.datetime | None = None
    updated_after: dt.datetime | None = None
    updated_before: dt.datetime | None = None
    text: str | None = strawberry.field(default=None, description=(
        "Words in the title, description or comments (internal ones only for the group's "
        "staff), accents ignored; \"a phrase\", -excluded, or. An exact ref (GRP-2026-000123) "
        "finds that ticket."))
    sla_states: list[SlaState] | None = strawberry.field(default=None, description=(
        "The SLA state as last recorded: by the ticket's latest change or the sweep, which "
        "moves it on within GROUPDESK_SLA_SWEEP_SECONDS of a clock crossing 75% or 100%."))
    due_before: dt.datetime | None = strawberry.field(default=None, description=(
        "Tickets whose running SLA clock falls due (take, then resolve) before this instant."))
    fulfilment_statuses: list[str] | None = strawberry.field(default=None, description=(
        "The fulfilment status automation last reported (codes of fulfilmentStatuses)."))
    fulfilment_error: bool | None = strawberry.field(default=None, description=(
        "true: the last fulfilment status is an error; false: a status that is no error."))


@strawberry.input(description="The order of a ticket list; ties are broken by id, same direction.")
class TicketOrder:
    field: TicketOrderField = OrderField.CREATED_AT
    direction: OrderDirection = Direction.DESC


def _ids(gids: list[relay.GlobalID] | None, type_name: str, field: str) -> frozenset[int]:
    return frozenset(node_id(g, type_name, field=f"filter.{field}")  # type: ignore[misc]
                     for g in gids or [])


# Filter lists by their API name: an IN list of tens of thousands of values exhausts the
# driver's bind parameters (asyncpg allows 32,767) long before it means anything.
LISTS = {"states": "states", "schoolIds": "school_ids", "brickIds": "brick_ids",
         "serviceIds": "service_ids", "subServiceIds": "sub_service_ids",
         "assigneeIds": "assignee_ids", "priorities": "priorities", "slaStates": "sla_states",
         "fulfilmentStatuses": "fulfilment_statuses"}


def _check_lengths(given: TicketFilter, most: int) -> None:
    too_long = {f"filter.{name}": Message("at most {limit} values (got {count})", limit=most, count=len(values))
                for name, attribute in LISTS.items()
                if len(values := getattr(given, attribute) or []) > most}
    if too_long:
        raise ValidationFailed(too_long)


def _filter(given: TicketFilter | None, max_values: int) -> listing.TicketFilter:
    if given is None:
        return listing.TicketFilter()
    _check_lengths(given, max_values)
    return listing.TicketFilter(
        states=frozenset(given.states or []),
        tenant_ids=_ids(given.school_ids, "Tenant", "schoolIds"),
        brick_ids=_ids(given.brick_ids, "Brick", "brickIds"),
        service_ids=_ids(given.service_ids, "Service", "serviceIds"),
        sub_service_ids=_ids(given.sub_service_ids, "SubService", "subServiceIds"),
        assignee_ids=_ids(given.assignee_ids, "User", "assigneeIds"), unassigned=given.unassigned,
        priorities=frozenset(given.priorities or []), escalated=given.escalated,
        min_escalation_level=given.min_escalation_level, created_after=given.created_after,
        created_before=given.created_before, updated_after=given.updated_after,
        updated_before=given.updated_before, text=given.text,
        sla_states=frozenset(given.sla_states or []), due_before=given.due_before,
        fulfilment_statuses=frozenset(s.strip().upper() for s in given.fulfilment_statuses or []),
        fulfilment_error=given.fulfilment_error)


def _order(given: TicketOrder | None) -> Order:
    return Order() if given is None else Order(field=OrderField(given.field),
                                               direction=Direction(given.direction))


Lister = Callable[..., Awaitable[TicketPage]]


async def read_list(info: Any, lister: Lister, filter: TicketFilter | None,
                    order: TicketOrder | None, first: int | None, after: str | None,
                    last: int | None, before: str | None,
                    statement: Any = None) -> TicketPage:
    """The page a ticket list's arguments ask for; refused arguments are BAD_USER_INPUT.

    Shared with compiled execution (schema.compiled), which needs only `info.context` and reads
    plain rows of its own `statement` (server.tickets.listing.read_page).
    """
    ctx = info.context
    try:
        wanted = _filter(filter, ctx.settings.max_filter_values)
    except GroupdeskError as exc:
        raise BadInput(exc) from None

    async def reader(page: PageArgs, max_page_size: int) -> TicketPage:
        return await lister(ctx.session, viewer=ctx.viewer, filter=wanted, order=_order(order),
                            page=page, max_page_size=max_page_size, statement=statement)

    found: TicketPage = await pagination.read(info, reader, first=first, after=after, last=last,
                                              before=before)
    return found


# The lists by root field, for compiled execution.
LISTERS: dict[str, Lister] = {"tickets": listing.list_tickets, "myQueue": queue.my_queue}


async def _list(info: Info, lister: Lister, filter: TicketFilter | None, order: TicketOrder | None,
                first: int | None, after: str | None, last: int | None,
                before: str | None) -> TicketConnection:
    found = await read_list(info, lister, filter, order, first, after, last, before)
    return pagination.connection(TicketConnection, found, Ticket.from_model)


@strawberry.type
class TicketListQuery:
    @strawberry.field(description="Tickets the viewer may see, filtered and ordered (newest "
                                  "first by default), by keyset pages. " + PAGING)
    async def tickets(self, info: Info, filter: TicketFilter | None = None,
                      order_by: TicketOrder | None = None, first: int | None = None,
                      after: str | None = None, last: int | None = None,
                      before: str | None = None) -> TicketConnection:
        return await _list(info, listing.list_tickets, filter, order_by, first, after, last,
                           before)

    @strawberry.field(description="The viewer's work: tickets assigned to them and still open, "
                                  "and queued ones (NEW, APPROVED) on what they are designated "
                                  "on, which they may take. " + PAGING)
    async def my_queue(self, info: Info, filter: TicketFilter | None = None,
                       order_by: TicketOrder | None = None, first: int | None = None,
                       after: str | None = None, last: int | None = None,
                       before: str | None = None) -> TicketConnection:
        return await _list(info, queue.my_queue, filter, order_by, first, after, last, before)
