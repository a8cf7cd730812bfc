"""DataLoaders built per request: one statement per relation per batch, whatever the list size.

Every load is a server query function (the viewer's rights and the deactivated catalogue are
applied there); a loader only batches and caches.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from strawberry.dataloader import DataLoader

from server.catalog import queries as catalog
from server.catalog.models import Brick, Service, SubService
from server.db import utcnow
from server.identity import queries as identity
from server.mirror.service import mirrors_of
from server.sla.calendars import calendars_of
from server.sla.status import estimated_delays
from server.sla.targets import targets_of_sub_services
from server.tickets import queries as tickets
from server.tickets import relations
from server.tickets.relations import Relation, RelationPage, Window
from tenants.context import Principal

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

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
        return catalog.for_viewer(self._viewer, found)


class Loaders:
    def __init__(self, session: AsyncSession, principal: Principal | None,
                 clock: Callable[[], dt.datetime] = utcnow) -> None:
        self.session = session
        self.clock = clock
        # Service levels: each school's business calendar, each sub-service's targets and
        # estimated delay (the viewer sees the whole catalogue's, like the catalogue itself).
        self.calendar_of_tenant = DataLoader(self._calendars)
        self.targets_of_sub_service = DataLoader(self._targets)
        self.estimated_delay = DataLoader(self._delays)
        # Tenants and users named by an object the viewer already sees (a ticket's school, a
        # comment's author): the object's own visibility decides, as for node(id) of it.
        self.tenant = DataLoader(self._by_id(identity.tenants_by_ids))
        self.user = DataLoader(self._by_id(identity.users_by_ids))
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
        self.services_of_brick = DataLoader(self._children(catalog.services_of_bricks, principal))
        self.sub_services_of_service = DataLoader(
            self._children(catalog.sub_services_of_services, principal))
        self.designations_of_user = DataLoader(
            self._children(catalog.designations_of_users, principal))
        self._principal = principal
        self._last_comments: dict[int, DataLoader[int, list[Any]]] = {}
        # Pages of ticket comments and history, one loader per (list, window); their lengths,
        # one loader per list.
        self._pages: dict[tuple[Relation, Window], DataLoader[int, RelationPage]] = {}
        self._counts: dict[Relation, DataLoader[int, int]] = {}
        # Only asked from a Ticket the viewer already sees.
        self.mirror_of_ticket = DataLoader(self._mirrors)
        # Tickets the viewer sees, by id (None for the others).
        self.visible_ticket = DataLoader(self._visible_tickets(principal))

    async def _calendars(self, tenant_ids: Sequence[int]) -> list[Any]:
        found = await calendars_of(self.session, tenant_ids)
        return [found[i] for i in tenant_ids]

    async def _targets(self, sub_service_ids: Sequence[int]) -> list[list[Any]]:
        found = await targets_of_sub_services(self.session, list(sub_service_ids))
        return [found[i] for i in sub_service_ids]

    async def _delays(self, sub_service_ids: Sequence[int]) -> list[Any]:
        found = await estimated_delays(self.session, sub_service_ids, now=self.clock())
        return [found[i] for i in sub_service_ids]

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

    def _by_id(self, fetch: Any) -> Any:
        async def load(ids: Sequence[int]) -> list[Any]:
            found = await fetch(self.session, ids=ids)
            return [found.get(i) for i in ids]

        return load

    def _catalog_rows(self, model: type) -> Any:
        async def load(ids: Sequence[int]) -> list[Any]:
            found = await catalog.catalog_rows_by_ids(self.session, model=model, ids=list(ids))
            return [found.get(i) for i in ids]

        return load

    def _children(self, fetch: Any, principal: Principal | None) -> Any:
        async def load(parent_ids: Sequence[int]) -> list[list[Any]]:
            groups = await fetch(self.session, viewer=principal, ids=parent_ids)
            return [groups.get(i, []) for i in parent_ids]

        return load

    def last_comments_of_ticket(self, count: int) -> DataLoader[int, list[Any]]:
        """The latest `count` (0 to 20) comments per ticket: one loader, one statement, per count."""
        count = max(0, min(count, LAST_COMMENTS_MAX))
        if count not in self._last_comments:
            fetch = functools.partial(tickets.latest_comments_of, count=count)
            self._last_comments[count] = DataLoader(self._per_ticket(fetch, self._principal))
        return self._last_comments[count]

    def relation_page(self, relation: Relation, window: Window) -> DataLoader[int, RelationPage]:
        """The window of a ticket's comments or history, for every ticket of a batch at once."""
        key = (relation, window)
        if key not in self._pages:
            # The viewer's visibility is applied in the one query per batch.
            self._pages[key] = DataLoader(self._pages_of(relation, window))
        return self._pages[key]

    def relation_count(self, relation: Relation) -> DataLoader[int, int]:
        """How long a ticket's comments or history are: one grouped count per batch."""
        if relation not in self._counts:
            fetch = functools.partial(relations.counts_of, relation=relation)
            self._counts[relation] = DataLoader(self._per_ticket(fetch, self._principal, missing=int))
        return self._counts[relation]

    def _pages_of(self, relation: Relation, window: Window) -> Any:
        async def load(ticket_ids: Sequence[int]) -> list[RelationPage]:
            # Only asked from a Ticket the viewer sees, hence with a viewer.
            assert self._principal is not None
            found = await relations.pages_of(self.session, viewer=self._principal,
                                             relation=relation, ticket_ids=ticket_ids,
                                             window=window)
            return [found[i] for i in ticket_ids]

        return load

    def _per_ticket(self, fetch: Any, principal: Principal | None,
                    missing: Callable[[], Any] = list) -> Any:
        """A batch load of `fetch`'s per-ticket values; `missing()` for a ticket it leaves out."""
        async def load(ticket_ids: Sequence[int]) -> list[Any]:
            if principal is None:
                return [missing() for _ in ticket_ids]
            grouped = await fetch(self.session, viewer=principal, ticket_ids=ticket_ids)
            return [grouped[i] if i in grouped else missing() for i in ticket_ids]

        return load
