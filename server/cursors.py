"""Keyset cursors: an opaque, checksummed position (order, key, id) in one ordered list.

Every paged list of the API writes and reads its cursors here, so they all refuse the same way: an
edited, truncated or made-up cursor, or one of another list, names the argument (`after`,
`before`) and asks for the first page again, instead of silently moving the page. A cursor carries
no visibility: whatever position it names, the list still applies the caller's.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import functools
import json
from collections.abc import Sequence
from typing import Any, Protocol, overload

import orjson

from server.errors import ValidationFailed
from tenants.i18n.messages import Message

# Not a secret: the checksum detects edited cursors, it does not authenticate them (a forged
# position reveals nothing, since visibility is applied to every page).
_CHECKSUM_KEY = b"groupdesk keyset cursor v2"
_CHECKSUM_BYTES = 8

Key = dt.datetime | int


class CursorOrder(Protocol):
    """What a cursor needs to know of an order."""

    @property
    def list_name(self) -> str:
        """The list the cursor belongs to (`tickets`, `mirrors`): another list's cursor is refused."""
        ...

    @property
    def name(self) -> str:
        """The order inside the list (`CREATED_AT`): another order's cursor is refused."""
        ...

    @property
    def key_type(self) -> type:
        """int or dt.datetime: what the order's keys are."""
        ...

    def key_of(self, row: Any) -> Key: ...


@functools.lru_cache(maxsize=1024)
def _keyed(list_name: str) -> hmac.HMAC:
    """The checksum's HMAC with the key and the list's name already taken in (copied per use)."""
    return hmac.new(_CHECKSUM_KEY, list_name.encode() + b"\0", hashlib.blake2b)


def _checksum(list_name: str, payload: bytes) -> bytes:
    # The list's name is in the checksum, not the payload: another list's cursor simply fails it.
    mac = _keyed(list_name).copy()
    mac.update(payload)
    return mac.digest()[:_CHECKSUM_BYTES]


def _not_a_cursor(field: str) -> ValidationFailed:
    return ValidationFailed({field: Message("not a cursor of this list: use a cursor from its last page "
                                            "or ask for the first page again")})


def encode_cursor(order: CursorOrder, row: Any) -> str:
    """The opaque position of `row` in `order`."""
    key = order.key_of(row)
    value: str | int = key.isoformat() if isinstance(key, dt.datetime) else key
    # orjson writes what json.dumps(separators=(",", ":")) does for these ASCII values, faster.
    payload = orjson.dumps([order.name, value, row.id])
    return base64.urlsafe_b64encode(_checksum(order.list_name, payload) + payload).decode().rstrip("=")


class Cursors(Sequence[str]):
    """The cursors of a page's rows, each written when first read: most pages are asked for
    their rows alone (no `cursor`, no `endCursor`), and a cursor costs a checksum."""

    __slots__ = ("_order", "_rows", "_written")

    def __init__(self, order: CursorOrder, rows: Sequence[Any]) -> None:
        self._order = order
        self._rows = rows
        self._written: list[str | None] = [None] * len(rows)

    def __len__(self) -> int:
        return len(self._written)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        cursor = self._written[index]
        if cursor is None:
            cursor = self._written[index] = encode_cursor(self._order, self._rows[index])
        return cursor

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence):
            return NotImplemented
        return list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]  # a list's equality, a list's hashing

    def __repr__(self) -> str:
        return f"Cursors({list(self)!r})"


def _key(value: Any, example: Key) -> Key | None:
    """The key a cursor holds, of the type the order's keys have (None when it is not one)."""
    if isinstance(example, int):
        return value if type(value) is int else None
    try:
        when = dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return when if when.tzinfo is not None else None


def decode_cursor(order: CursorOrder, cursor: str, field: str) -> tuple[Key, int]:
    """The (key, id) a cursor names in `order`; anything else is refused naming `field`."""
    try:
        raw = base64.urlsafe_b64decode(cursor.encode("ascii") + b"=" * (-len(cursor) % 4))
        mac, payload = raw[:_CHECKSUM_BYTES], raw[_CHECKSUM_BYTES:]
        if not hmac.compare_digest(mac, _checksum(order.list_name, payload)):
            raise _not_a_cursor(field)
        order_name, value, ident = json.loads(payload)
    except (ValueError, TypeError, UnicodeEncodeError, binascii.Error):
        raise _not_a_cursor(field) from None
    if type(ident) is not int:
        raise _not_a_cursor(field)
    if order_name != order.name:
        raise ValidationFailed({field: Message("a cursor of the {cursor_order} order, but this list is "
                                               "ordered by {order}: ask for the first page again",
                                               cursor_order=order_name, order=order.name)})
    key = _key(value, 0 if order.key_type is int else dt.datetime.min)
    if key is None:
        raise _not_a_cursor(field)
    return key, ident
