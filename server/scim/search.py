"""Searching users and groups: SQL narrows by the equalities identity providers send, the filter decides.

Entra ID and Keycloak search with `userName eq`, `externalId eq`, `displayName eq`: those become an
indexed WHERE on the tenant's rows. The filter is then evaluated exactly as scim2-models defines it
(case rules, sub-attributes, `and`/`or`/`not`) on the narrowed rows, so a filter SQL cannot express
still answers correctly, only by reading more of the tenant's rows. Without a filter, pages come
from SQL directly.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from scim2_models import Resource, ScimFilter, SearchRequest
from scim2_models.path import CompareOperator, Comparison, FilterNode, LogicalExpr, LogicalOperator
from scim2_server.storage import SearchPage
from sqlalchemy import ColumnElement, Select, false, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from server.identity.models import User
from server.scim.models import UserGroup
from server.scim.values import parse_id

CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:user:"
CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:group:"

# Attributes (by URN, casefolded) whose equality SQL can pre-select on; `displayName` of users is a
# superset only (a default fills it when unassigned), which is all narrowing needs.
USER_COLUMNS: dict[str, InstrumentedAttribute[Any]] = {
    CORE_USER + "id": User.id,
    CORE_USER + "username": User.username,
    CORE_USER + "externalid": User.external_id,
    CORE_USER + "displayname": User.display_name,
}
GROUP_COLUMNS: dict[str, InstrumentedAttribute[Any]] = {
    CORE_GROUP + "id": UserGroup.id,
    CORE_GROUP + "externalid": UserGroup.external_id,
    CORE_GROUP + "displayname": UserGroup.display_name,
}

Render = Callable[[Sequence[Any]], Awaitable[list[Resource[Any]]]]


async def search(session: AsyncSession, *, visible: Select[Any], key: InstrumentedAttribute[int],
                 columns: dict[str, InstrumentedAttribute[Any]], render: Render,
                 search_request: SearchRequest[Any]) -> SearchPage:
    """One page of the visible rows matching the request, in id order, with the total count."""
    start = search_request.start_index_0 or 0
    count = search_request.count
    scim_filter = search_request.filter
    if scim_filter is None:
        total = await session.scalar(select(func.count()).select_from(visible.subquery()))
        if count == 0:
            return SearchPage(total, [])
        rows = list(await session.scalars(visible.order_by(key).offset(start).limit(count)))
        return SearchPage(total, await render(rows))
    narrowed = visible.where(*_narrowing(scim_filter, scim_filter.ast, columns, key))
    candidates = await render(list(await session.scalars(narrowed.order_by(key))))
    found = [resource for resource in candidates if scim_filter.match(resource)]
    stop = None if count is None else start + count
    return SearchPage(len(found), found[start:stop])


async def search_all(session: AsyncSession, *, sources: Sequence[tuple[Select[Any], Any, Render]],
                     search_request: SearchRequest[Any]) -> SearchPage:
    """A search at the root: every source's matches in turn (users, then groups), then the page."""
    scim_filter = search_request.filter
    found: list[Resource[Any]] = []
    for visible, key, render in sources:
        rows = await render(list(await session.scalars(visible.order_by(key))))
        found += [r for r in rows if scim_filter is None or scim_filter.match(r)]
    start = search_request.start_index_0 or 0
    stop = None if search_request.count is None else start + search_request.count
    return SearchPage(len(found), found[start:stop])


def _narrowing(scim_filter: ScimFilter[Any], node: FilterNode,
               columns: dict[str, InstrumentedAttribute[Any]],
               key: InstrumentedAttribute[int]) -> list[ColumnElement[bool]]:
    """SQL conditions every match satisfies (possibly none): equalities, alone or in an `and`."""
    if isinstance(node, LogicalExpr) and node.op == LogicalOperator.and_:
        return [c for term in node.terms for c in _narrowing(scim_filter, term, columns, key)]
    if not (isinstance(node, Comparison) and node.op == CompareOperator.eq and isinstance(node.value, str)):
        return []
    binding = scim_filter.resolve_comparison(node.attr_path, strict=False)
    column = columns.get(binding.urn.casefold()) if binding is not None else None
    if binding is None or column is None:
        return []
    if column is key:
        ident = parse_id(node.value)
        return [false()] if ident is None else [key == ident]
    if binding.case_exact:
        return [column == node.value]
    if node.value.isascii():
        # SQLite's lower() folds ASCII only: other values are left to the exact evaluation.
        return [func.lower(column) == node.value.lower()]
    return []
