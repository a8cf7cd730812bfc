"""Resolving Relay node ids to objects through a server look-up that applies the viewer's rights."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

from schema.context import Info
from schema.ids import database_id

# A server look-up: the rows among `ids` the viewer may see, by id.
Lookup = Callable[..., Awaitable[Mapping[int, Any]]]


async def resolve_nodes(cls: Any, info: Info, node_ids: Iterable[str], lookup: Lookup) -> list[Any]:
    """Objects in the order asked; None where missing or not visible (no leak of existence)."""
    viewer = info.context.viewer  # anonymous callers resolve nothing
    # A node id that cannot be a row id (abc, 99999999999999999999) resolves to None, like a missing one.
    ids = [database_id(str(i)) for i in node_ids]
    wanted = [i for i in ids if i is not None]
    found = await lookup(info.context.session, viewer=viewer, ids=wanted) if wanted else {}
    return [cls.from_model(found[i]) if i in found else None for i in ids]
