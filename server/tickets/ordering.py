"""Ticket list orders: an order key plus the id, both ways (a server.pagination.KeysetOrder).

Their cursors are server.cursors': the order's name and key and the ticket id, checksummed.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import ColumnElement, UnaryExpression, and_, or_

from server.cursors import Key
from server.tickets.models import PRIORITY_RANK, Ticket


class OrderField(StrEnum):
    CREATED_AT = "CREATED_AT"
    UPDATED_AT = "UPDATED_AT"
    # By urgency (LOW < NORMAL < HIGH < CRITICAL), not by the priority's name.
    PRIORITY = "PRIORITY"
    # The next due time of a running SLA clock (take, then resolve); tickets without one last.
    SLA_DUE_AT = "SLA_DUE_AT"


class Direction(StrEnum):
    ASC = "ASC"
    DESC = "DESC"


@dataclass(frozen=True, slots=True)
class TicketOrder:
    """How a list is sorted; the id breaks ties, in the same direction, so the order is total."""

    field: OrderField = OrderField.CREATED_AT
    direction: Direction = Direction.DESC
    # Ticket lists (tickets, myQueue) share their cursors; another list's are refused.
    list_name: ClassVar[str] = "tickets"

    @property
    def name(self) -> str:
        return self.field.value

    @property
    def key_type(self) -> type:
        return int if self.field is OrderField.PRIORITY else dt.datetime

    @property
    def key_column(self) -> Any:
        match self.field:
            case OrderField.CREATED_AT:
                return Ticket.created_at
            case OrderField.UPDATED_AT:
                return Ticket.updated_at
            case OrderField.PRIORITY:
                return Ticket.priority_rank
            case OrderField.SLA_DUE_AT:
                return Ticket.sla_due_key

    def key_of(self, ticket: Ticket) -> Key:
        match self.field:
            case OrderField.CREATED_AT:
                return ticket.created_at
            case OrderField.UPDATED_AT:
                return ticket.updated_at
            case OrderField.PRIORITY:
                # Not ticket.priority_rank: the database computes it, a loaded ticket may be stale.
                return PRIORITY_RANK[ticket.priority]
            case OrderField.SLA_DUE_AT:
                return ticket.sla_due_key

    def sort(self, *, reverse: bool = False) -> list[UnaryExpression[Any]]:
        return list(_sort(self.field, (self.direction is Direction.DESC) != reverse))

    def beyond(self, key: Key, ident: int, *, reverse: bool = False,
               inclusive: bool = False) -> ColumnElement[bool]:
        """Rows after the position (key, id) in this order, or before it when `reverse`."""
        column = self.key_column
        later = (self.direction is Direction.ASC) != reverse
        # (column, id) > (key, ident) spelled out: the bound key then gets the column's type
        # (UTC handling of timestamps), and the first term alone can use the order's index.
        if later:
            tie = Ticket.id >= ident if inclusive else Ticket.id > ident
            return and_(column >= key, or_(column > key, tie))
        tie = Ticket.id <= ident if inclusive else Ticket.id < ident
        return and_(column <= key, or_(column < key, tie))


@functools.cache
def _sort(field: OrderField, descending: bool) -> tuple[UnaryExpression[Any], ...]:
    """ORDER BY's terms, made once per order: expressions are immutable, and one object each
    keeps its cache key (SQLAlchemy computes a statement's key on every execution)."""
    key = TicketOrder(field).key_column
    return tuple(c.desc() if descending else c.asc() for c in (key, Ticket.id))
