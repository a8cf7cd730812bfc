"""What is learnt once about a parsed document, kept for the next request that sends it.

Clients send the same few documents again and again, and schema.limits hands back the same parsed
DocumentNode for the same text (its parse cache). Whatever depends on the document alone (its
limits' verdict, its static cost when no variable sizes a list, where its arguments are and their
types) is then worked out once, not on every request. Entries are keyed by the document object
(held, so its id cannot be reused while the entry lives) and what else the answer depends on;
the least recently used go first. Only documents the parse cache keeps are remembered (`kept`):
distinct large documents must not fill the memory with syntax trees here either.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

Value = TypeVar("Value")

# As many as the parse cache keeps documents (schema.limits), a few answers each.
MAX_ENTRIES = 2048
# Documents parsed once and kept (schema.limits): larger ones are parsed on every request.
CACHED_QUERY_BYTES = 16 * 1024


def kept(query: str | None) -> bool:
    """Whether the document of this text is the parse cache's (the same object every time)."""
    return query is not None and len(query) <= CACHED_QUERY_BYTES


class DocumentMemo(Generic[Value]):
    """A bounded map from (document, key) to what `compute` found for them."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple[int, Hashable], tuple[Any, Value]] = OrderedDict()

    def get(self, document: Any, key: Hashable, compute: Callable[[], Value], *, keep: bool = True) -> Value:
        """What `compute` finds for this document and key; remembered when `keep`."""
        if not keep:
            return compute()
        slot = (id(document), key)
        entry = self._entries.get(slot)
        if entry is not None and entry[0] is document:
            self._entries.move_to_end(slot)
            return entry[1]
        value = compute()
        self._entries[slot] = (document, value)
        self._entries.move_to_end(slot)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        self._entries.clear()
