"""One connection for every paged list: Relay's `edges` and `pageInfo`, plus `totalCount`.

The window (`first`/`after`, `last`/`before`), the cursors and their refusals are
server.pagination's; this module only translates a server Page into a connection, and a refused
window into a BAD_USER_INPUT error naming the argument.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

import strawberry
from strawberry import relay

from schema.context import Info
from schema.errors import BadInput
from server.errors import GroupdeskError
from server.pagination import Page, PageArgs, Total

NodeType = TypeVar("NodeType")
ConnectionType = TypeVar("ConnectionType", bound="CountedConnection[Any]")

PAGING = ("`first` after a cursor, or `last` before one; pages are capped at the server's "
          "largest page size.")


@strawberry.type
class CountedConnection(relay.Connection[NodeType], Generic[NodeType]):
    """A keyset page and the means to count its whole list."""

    page: strawberry.Private[Page[Any]]

    @strawberry.field(description="The whole list's length (its filter and what the viewer may "
                                  "see), all pages; counted only when asked for. Exact up to the "
                                  "server's exact-count limit, an estimate beyond it (see "
                                  "totalCountIsEstimate).")
    async def total_count(self, info: Info) -> int:
        return (await self._total(info)).value

    @strawberry.field(description="True when totalCount is an estimate: the list is longer than "
                                  "the server's exact-count limit, and counting it exactly would "
                                  "read every row.")
    async def total_count_is_estimate(self, info: Info) -> bool:
        return not (await self._total(info)).exact

    async def _total(self, info: Info) -> Total:
        return await self.page.bounded(info.context.session,
                                       exact_up_to=info.context.settings.exact_count_limit)


async def read(info: Info, reader: Callable[[PageArgs, int], Awaitable[Page[Any]]], *,
               first: int | None, after: str | None, last: int | None,
               before: str | None) -> Page[Any]:
    """The page a list's server reader returns for this window; its refusals are BAD_USER_INPUT."""
    try:
        return await reader(PageArgs(first=first, after=after, last=last, before=before),
                            info.context.settings.max_page_size)
    except GroupdeskError as exc:
        raise BadInput(exc) from None


def connection(cls: type[ConnectionType], page: Page[Any], node: Callable[[Any], Any],
               edge: Callable[..., Any] = relay.Edge) -> ConnectionType:
    """The connection `cls` holding the page, each row made a node by `node`."""
    edges = [edge(cursor=c, node=node(row)) for row, c in zip(page.rows, page.cursors, strict=True)]
    return cls(edges=edges, page=page, page_info=relay.PageInfo(
        has_next_page=page.has_next_page, has_previous_page=page.has_previous_page,
        start_cursor=page.cursors[0] if page.cursors else None,
        end_cursor=page.cursors[-1] if page.cursors else None))
