"""Ticket list orders and their keyset cursors: an order key plus the id, both ways.

A cursor is an opaque position in one order: the order key's value and the ticket id, with a
checksum so that an edited or truncated cursor is refused instead of silently moving the page.
It carries no visibility: whatever position it names, the list still applies the caller's.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, UnaryExpression, and_, or_

from server.errors import ValidationFailed
from server.tickets.models import PRIORITY_RANK, Ticket

# Not a secret: the checksum detects edited cursors, it does not authenticate them (a forged
# position reveals nothing, since visibility is applied to every page).
_CHECKSUM_KEY = b"groupdesk ticket cursor v1"
_CHECKSUM_BYTES = 8

Key = dt.datetime | int


class OrderField(StrEnum):
    CREATED_AT = "CREATED_AT"
    UPDATED_AT = "UPDATED_AT"
    # By urgency (LOW < NORMAL < HIGH < CRITICAL), not by the priority's name.
    PRIORITY = "PRIORITY"


class Direction(StrEnum):
    ASC = "ASC"
    DESC = "DESC"


@dataclass(frozen=True, slots=True)
class TicketOrder:
    """How a list is sorted; the id breaks ties, in the same direction, so the order is total."""

    field: OrderField = OrderField.CREATED_AT
    direction: Direction = Direction.DESC

    @property
    def key_column(self) -> Any:
        match self.field:
            case OrderField.CREATED_AT:
                return Ticket.created_at
            case OrderField.UPDATED_AT:
                return Ticket.updated_at
            case OrderField.PRIORITY:
                return Ticket.priority_rank

    def key_of(self, ticket: Ticket) -> Key:
        match self.field:
            case OrderField.CREATED_AT:
                return ticket.created_at
            case OrderField.UPDATED_AT:
                return ticket.updated_at
            case OrderField.PRIORITY:
                # Not ticket.priority_rank: the database computes it, a loaded ticket may be stale.
                return PRIORITY_RANK[ticket.priority]

    def sort(self, *, reverse: bool = False) -> list[UnaryExpression[Any]]:
        descending = (self.direction is Direction.DESC) != reverse
        return [c.desc() if descending else c.asc() for c in (self.key_column, Ticket.id)]

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


def _checksum(payload: bytes) -> bytes:
    return hmac.digest(_CHECKSUM_KEY, payload, hashlib.blake2b)[:_CHECKSUM_BYTES]


def encode_cursor(order: TicketOrder, ticket: Ticket) -> str:
    """The opaque position of `ticket` in `order`."""
    key = order.key_of(ticket)
    value: str | int = key.isoformat() if isinstance(key, dt.datetime) else key
    payload = json.dumps([order.field.value, value, ticket.id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(_checksum(payload) + payload).decode().rstrip("=")


def decode_cursor(order: TicketOrder, cursor: str, field: str) -> tuple[Key, int]:
    """The (key, id) a cursor names; a cursor that is edited or of another order names `field`."""
    bad = ValidationFailed({field: "not a cursor of this list: use a cursor from its last page "
                                   "or ask for the first page again"})
    try:
        raw = base64.urlsafe_b64decode(cursor.encode("ascii") + b"=" * (-len(cursor) % 4))
        mac, payload = raw[:_CHECKSUM_BYTES], raw[_CHECKSUM_BYTES:]
        if not hmac.compare_digest(mac, _checksum(payload)):
            raise bad
        field_name, value, ident = json.loads(payload)
    except (ValueError, TypeError, UnicodeEncodeError, binascii.Error):
        raise bad from None
    if field_name != order.field.value:
        raise ValidationFailed({field: f"a cursor of the {field_name} order, but this list is "
                                       f"ordered by {order.field.value}: ask for the first page "
                                       "again"})
    if type(ident) is not int:
        raise bad
    if order.field is OrderField.PRIORITY:
        if type(value) is not int:
            raise bad
        return value, ident
    try:
        when = dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise bad from None
    if when.tzinfo is None:
        raise bad
    return when, ident
