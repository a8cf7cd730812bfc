"""Who hears of something a domain announces: an ordered set of callables the assembly registers.

A domain that announces (a mirror changed, notifications were written, a person left) imports none
of those who hear it: groupdesk/wiring.py registers them. Registering the same callable again
changes nothing; they are called in the order they registered, and a change to the set made while
announcing applies to the next announcement.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Generic, TypeVar

F = TypeVar("F")


class Registry(Generic[F]):
    __slots__ = ("_items",)

    def __init__(self) -> None:
        self._items: list[F] = []

    def register(self, item: F) -> None:
        """Add it once: registering the same one again changes nothing."""
        if item not in self._items:
            self._items.append(item)

    def unregister(self, item: F) -> None:
        if item in self._items:
            self._items.remove(item)

    def registered(self) -> tuple[F, ...]:
        return tuple(self._items)

    def __iter__(self) -> Iterator[F]:
        return iter(tuple(self._items))
