"""DataLoaders built per request: one SQL statement per relation per batch, whatever the list size."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from server.catalog.models import Brick, Service, SubService
from server.catalog.queries import catalog_children, catalog_rows_by_ids, for_viewer
from server.identity.models import ExpertDesignation, Tenant, User
from server.mirror.service import mirrors_of
from server.tickets import queries as tickets
from tenants.context import Principal

LAST_COMMENTS_MAX = 20


class CatalogView:
    """Catalogue entries by id as one viewer may see them, or every entry (`retired_too`: the
    place a ticket was opened on)."""

    def __init__(self, rows: DataLoader[int, Any], viewer: Principal | None, *,
                 retired_too: bool = False) -> None:
        self._rows = rows
        self._viewer = viewer
        self._retired_too = retired_too

    async def load(self, key: int) -> Any:
        found = await self._rows.load(key)
        if self._retired_too:
            return None if found is None else found[0]
        return for_viewer(self._viewer, found)


class Loaders:
    def __init__(self, session: AsyncSession, principal: Principal | None) -> None:
        self.session = session
        self.tenant = DataLoader(self._by_id(Tenant))
        self.user = DataLoader(self._by_id(User))
        # Catalogue entries as the viewer may see them (deactivated ones for administrators only),
        # and where a ticket the viewer sees was opened (its own data, shown even once retired):
        # two views of one cached load per model, so asking both ways costs one statement.
        rows = {model: DataLoader(self._catalog_rows(model)) for model in (Brick, Service, SubService)}
        self.brick = CatalogView(rows[Brick], principal)
        self.service = CatalogView(rows[Service], principal)
        self.sub_service = CatalogView(rows[SubService], principal)
        self.ticket_brick = CatalogView(rows[Brick], principal, retired_too=True)
        self.ticket_service = CatalogView(rows[Service], principal, retired_too=True)
        self.ticket_sub_service = CatalogView(rows[SubService], principal, retired_too=True)
        self.services_of_brick = DataLoader(self._catalog_children(Service, Service.brick_id, principal))
        self.sub_services_of_service = DataLoader(
            self._catalog_children(SubService, SubService.service_id, principal))
        self.designations_of_user = DataLoader(
            self._catalog_children(ExpertDesignation, ExpertDesignation.user_id, principal))
        self._principal = principal
        self._last_comments: dict[int, DataLoader[int, list[Any]]] = {}
        # Pages of ticket comments and history, one loader per (what, first, after).
        self._pages: dict[tuple[str, int, int | None], DataLoader[int, list[Any]]] = {}
        # Only asked from a Ticket the viewer already sees.
        self.mirror_of_ticket = DataLoader(self._mirrors)
        # Tickets the viewer sees, by id (None for the others).
        self.visible_ticket = DataLoader(self._visible_tickets(principal))

    async def _mirrors(self, ticket_ids: Sequence[int]) -> list[Any]:
        found = await mirrors_of(self.session, list(ticket_ids))
        return [found.get(i) for i in ticket_ids]

    def _visible_tickets(self, principal: Principal | None) -> Any:
        async def load(ticket_ids: Sequence[int]) -> list[Any]:
            if principal is None:
                return [None for _ in ticket_ids]
            found = await tickets.tickets_by_ids(self.session, viewer=principal, ticket_ids=ticket_ids)
            return [found.get(i) for i in ticket_ids]

        return load

    def _by_id(self, model: type) -> Any:
        async def load(ids: Sequence[int]) -> list[Any]:
            rows = await self.session.scalars(select(model).where(model.id.in_(ids)))
            found = {row.id: row for row in rows}
            return [found.get(i) for i in ids]

        return load

    def _catalog_rows(self, model: type) -> Any:
        async def load(ids: Sequence[int]) -> list[Any]:
            found = await catalog_rows_by_ids(self.session, model=model, ids=list(ids))
            return [found.get(i) for i in ids]

        return load

    def _catalog_children(self, model: type, parent: Any, principal: Principal | None) -> Any:
        async def load(parent_ids: Sequence[int]) -> list[list[Any]]:
            groups = await catalog_children(self.session, viewer=principal, model=model, parent=parent,
                                            parent_ids=parent_ids)
            return [groups.get(i, []) for i in parent_ids]

        return load

    def last_comments_of_ticket(self, count: int) -> DataLoader[int, list[Any]]:
        """The latest `count` (0 to 20) comments per ticket: one loader, one statement, per count."""
        count = max(0, min(count, LAST_COMMENTS_MAX))
        if count not in self._last_comments:
            fetch = functools.partial(tickets.latest_comments_of, count=count)
            self._last_comments[count] = DataLoader(self._per_ticket(fetch, self._principal))
        return self._last_comments[count]

    def comments_page(self, first: int, after: int | None) -> DataLoader[int, list[Any]]:
        """Up to `first` comments per ticket after the comment id `after`, oldest first."""
        return self._page("comments", tickets.comments_of, first, after)

    def events_page(self, first: int, after: int | None) -> DataLoader[int, list[Any]]:
        """Up to `first` history events per ticket after the event id `after`, in order."""
        return self._page("events", tickets.events_of, first, after)

    def _page(self, what: str, fetch: Any, first: int, after: int | None) -> DataLoader[int, list[Any]]:
        # The viewer's visibility is applied in the one query per batch.
        key = (what, first, after)
        if key not in self._pages:
            self._pages[key] = DataLoader(self._per_ticket(
                functools.partial(fetch, first=first, after=after), self._principal))
        return self._pages[key]

    def _per_ticket(self, fetch: Any, principal: Principal | None) -> Any:
        async def load(ticket_ids: Sequence[int]) -> list[list[Any]]:
            if principal is None:
                return [[] for _ in ticket_ids]
            grouped = await fetch(self.session, viewer=principal, ticket_ids=ticket_ids)
            return [grouped.get(i, []) for i in ticket_ids]

        return load
