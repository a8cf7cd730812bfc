"""Resolving Relay node ids to objects, with the visibility rule of each type."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import select

from schema.context import Info


async def load_nodes(cls: Any, model: type, info: Info, node_ids: Iterable[str],
                        visible: Callable[[Any], bool] | None = None) -> list[Any]:
    """Objects in the order asked; None where missing or not visible (no leak of existence)."""
    info.context.viewer  # anonymous callers resolve nothing
    ids = [int(i) for i in node_ids]
    rows = await info.context.session.scalars(select(model).where(model.id.in_(ids)))
    found = {r.id: r for r in rows if visible is None or visible(r)}
    return [cls.from_model(found[i]) if i in found else None for i in ids]
