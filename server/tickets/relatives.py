"""The rows a page of tickets names: its school, its people and its catalogue place, one statement
per kind however many tickets the page holds.

These are the look-ups the request's DataLoaders make one by one (server.identity.queries and
server.catalog.queries): compiled execution (schema.compiled) reads them here in batches. A
ticket's place is shown as it was opened, retired entries included, and its school and people are
shown to whoever sees the ticket, so no visibility applies beyond the ticket's own.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Mapping
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from server.catalog import queries as catalog
from server.catalog.models import Brick, Service, SubService
from server.identity import queries as identity


class Kind(StrEnum):
    """What a to-one relation of a ticket (or of a user) points at."""

    TENANT = "tenant"
    USER = "user"
    BRICK = "brick"
    SERVICE = "service"
    SUB_SERVICE = "sub_service"


async def _tenants(session: AsyncSession, ids: list[int]) -> Mapping[int, Any]:
    return await identity.tenants_by_ids(session, ids=ids)


async def _users(session: AsyncSession, ids: list[int]) -> Mapping[int, Any]:
    return await identity.users_by_ids(session, ids=ids)


def _catalogue(model: type) -> Callable[[AsyncSession, list[int]], Awaitable[Mapping[int, Any]]]:
    async def read(session: AsyncSession, ids: list[int]) -> Mapping[int, Any]:
        found = await catalog.catalog_rows_by_ids(session, model=model, ids=ids)
        return {ident: row for ident, (row, _shown) in found.items()}

    return read


_READERS: dict[Kind, Callable[[AsyncSession, list[int]], Awaitable[Mapping[int, Any]]]] = {
    Kind.TENANT: _tenants,
    Kind.USER: _users,
    Kind.BRICK: _catalogue(Brick),
    Kind.SERVICE: _catalogue(Service),
    Kind.SUB_SERVICE: _catalogue(SubService),
}


async def rows_by_id(session: AsyncSession, kind: Kind, ids: Collection[int]) -> Mapping[int, Any]:
    """The rows of `kind` among `ids`, by id, in one statement (none for no ids)."""
    if not ids:
        return {}
    return await _READERS[kind](session, sorted(ids))
