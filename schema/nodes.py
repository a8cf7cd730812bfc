"""Resolving Relay node ids to objects, with the visibility rule of each type."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import select

from schema.context import Info
from schema.ids import database_id


async def load_nodes(cls: Any, model: type, info: Info, node_ids: Iterable[str],
                        visible: Callable[[Any], bool] | None = None) -> list[Any]:
    """Objects in the order asked; None where missing or not visible (no leak of existence)."""
    info.context.viewer  # anonymous callers resolve nothing
    # A node id that cannot be a row id (abc, 99999999999999999999) resolves to None, like a missing one.
    ids = [database_id(str(i)) for i in node_ids]
    wanted = [i for i in ids if i is not None]
    rows = await info.context.session.scalars(select(model).where(model.id.in_(wanted))) if wanted else []
    found = {r.id: r for r in rows if visible is None or visible(r)}
    return [cls.from_model(found[i]) if i in found else None for i in ids]
