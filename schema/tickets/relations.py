"""A ticket's comments and history as connections, on the one connection of every paged list.

The window's rules and the cursors are server.pagination's and server.cursors' (through
server.tickets.relations, which signs a ticket's cursors for that ticket's list alone); pages and
totals are batched over the tickets of a page by the request's DataLoaders.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

import strawberry

from schema.context import Info
from schema.errors import BadInput
from schema.pagination import CountedConnection
from server.errors import GroupdeskError
from server.pagination import PageArgs
from server.tickets.relations import Relation, RelationPage, window

NodeType = TypeVar("NodeType")


@strawberry.type
class RelationConnection(CountedConnection[NodeType], Generic[NodeType]):
    """A page of one ticket's comments or history."""

    @strawberry.field(description="The whole list's length (what the viewer may see), all pages; "
                                  "counted only when asked for, once for a page of tickets.")
    async def total_count(self, info: Info) -> int:
        page = self.page
        assert isinstance(page, RelationPage) and page.relation is not None
        return await info.context.loaders.relation_count(page.relation).load(page.ticket_id)


async def read(info: Info, relation: Relation, ticket_id: int, *, first: int | None,
               after: str | None, last: int | None, before: str | None) -> RelationPage:
    """The page this window asks of the ticket's list; a bad window is BAD_USER_INPUT."""
    ctx = info.context
    try:
        asked = window(relation, ticket_id, PageArgs(first=first, after=after, last=last,
                                                     before=before), ctx.settings.max_page_size)
    except GroupdeskError as exc:
        raise BadInput(exc) from None
    page: Any = await ctx.loaders.relation_page(relation, asked).load(ticket_id)
    return page  # type: ignore[no-any-return]
