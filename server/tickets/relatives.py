"""The rows a page of tickets names: its school, its people and its catalogue place, as plain rows.

These are the look-ups the request's DataLoaders make one by one (server.identity.queries and
server.catalog.queries): compiled execution (schema.compiled) reads them here without ORM objects,
either joined to the page's own statement (`joined_page`: one statement for the tickets and every
to-one relation) or in batches, one statement per kind however many rows name them
(`rows_by_id`). A ticket's place is shown as it was opened, retired entries included, and its
school and people are shown to whoever sees the ticket, so no visibility applies beyond the
ticket's own (server.tickets.access decides that one, in the page's conditions).

A plain row is a named tuple of the columns its reader wants, under their column names (a user's
roles are `roles`, the names as stored), read with the columns' types like the ORM reads them.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Any

from sqlalchemy import Select, Table, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.catalog.models import Brick, Service, SubService
from server.identity.models import Tenant, User
from server.tickets.models import Ticket


class Kind(StrEnum):
    """What a to-one relation of a ticket (or of a user) points at."""

    TENANT = "tenant"
    USER = "user"
    BRICK = "brick"
    SERVICE = "service"
    SUB_SERVICE = "sub_service"


TABLES: dict[Kind, Table] = {
    Kind.TENANT: Tenant.__table__,  # type: ignore[dict-item]
    Kind.USER: User.__table__,  # type: ignore[dict-item]
    Kind.BRICK: Brick.__table__,  # type: ignore[dict-item]
    Kind.SERVICE: Service.__table__,  # type: ignore[dict-item]
    Kind.SUB_SERVICE: SubService.__table__,  # type: ignore[dict-item]
}
TICKETS: Table = Ticket.__table__  # type: ignore[assignment]


def columns_of(table: Table, wanted: Collection[str]) -> tuple[str, ...]:
    """The wanted column names of `table` in a stable order: id first, then the table's order."""
    return ("id", *(c.name for c in table.columns if c.name in wanted and c.name != "id"))


@cache
def row_type(table: Table, names: tuple[str, ...]) -> Any:
    """The named tuple of a table's plain rows holding the columns `names`."""
    return namedtuple(f"{table.name.title().replace('_', '')}Row", names)


@cache
def _by_ids(kind: Kind, names: tuple[str, ...]) -> Select[Any]:
    table = TABLES[kind]
    return (select(*(table.c[n] for n in names))
            .where(table.c.id.in_(bindparam("ids", expanding=True))))


async def rows_by_id(session: AsyncSession, kind: Kind, ids: Collection[int],
                     wanted: Collection[str]) -> Mapping[int, Any]:
    """The plain rows of `kind` among `ids` with the `wanted` columns (and the id), by id, in one
    statement (none for no ids)."""
    if not ids:
        return {}
    names = columns_of(TABLES[kind], wanted)
    make = row_type(TABLES[kind], names)._make
    # Plain rows: Core runs the statement on the session's connection, no ORM loading.
    result = await (await session.connection()).execute(_by_ids(kind, names), {"ids": sorted(ids)})
    return {row[0]: make(row) for row in result}


@dataclass(frozen=True, slots=True)
class Part:
    """Where one joined relation's columns sit in a row of the page: [start, end), id first."""

    kind: Kind
    start: int
    end: int
    make: Any


@dataclass(frozen=True, slots=True)
class JoinedPage:
    """A page's statement: the ticket's columns, then each relation's, LEFT JOINed by id."""

    statement: Select[Any]
    width: int
    parts: tuple[Part, ...]
    make: Any

    def split(self, rows: Sequence[Any], found: dict[Kind, dict[int, Any]]) -> list[Any]:
        """The page's tickets as plain rows; each relation's rows added to `found` by kind and id."""
        make, width = self.make, self.width
        tickets = []
        parts = [(found.setdefault(p.kind, {}), p.start, p.end, p.make) for p in self.parts]
        for row in rows:
            values = tuple(row)
            tickets.append(make(values[:width]))
            for known, start, end, make_part in parts:
                ident = values[start]
                if ident is not None and ident not in known:
                    known[ident] = make_part(values[start:end])
        return tickets


def joined_page(ticket_columns: Collection[str], relations: Sequence[tuple[Kind, str]],
                wanted: Mapping[Kind, Collection[str]]) -> JoinedPage:
    """The statement reading a page of tickets (their `ticket_columns`, the id and the keys of
    every order) with the relations named by (kind, ticket column), each with its kind's `wanted`
    columns: a null column (assignee_id) leaves that relation's columns null."""
    keys = ("created_at", "updated_at", "priority", "sla_due_key")
    names = columns_of(TICKETS, {*ticket_columns, *keys})
    # Under their own names, as the list's order reads them for the cursors.
    columns: list[Any] = [TICKETS.c[n] for n in names]
    joined: Any = TICKETS
    parts = []
    for n, (kind, column) in enumerate(relations):
        table = TABLES[kind]
        related = columns_of(table, wanted.get(kind, ()))
        alias = table.alias(f"r{n}")
        parts.append(Part(kind, len(columns), len(columns) + len(related),
                          row_type(table, related)._make))
        columns.extend(alias.c[name].label(f"r{n}_{name}") for name in related)
        joined = joined.outerjoin(alias, alias.c.id == TICKETS.c[column])
    return JoinedPage(select(*columns).select_from(joined), len(names), tuple(parts),
                      row_type(TICKETS, names)._make)
