"""CSV exports of ticket lists and stats: rows streamed page by page, spreadsheet-friendly.

Tickets are read by keyset pages of the `tickets` list itself (server.tickets.listing), so an
export holds exactly what the caller's GraphQL list holds, whatever its size, in constant memory.
The text starts with a UTF-8 byte order mark, which spreadsheets need to read accents; French
Excel splits columns on ';', which the caller may ask for instead of ','.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.catalog.models import Brick, Service, SubService
from server.identity.models import Tenant, User
from server.pagination import PageArgs
from server.reports import labels
from server.reports.stats import StatsQuery, StatsRow, stats_rows
from server.tickets.listing import TicketFilter, list_tickets
from tenants.context import Principal

BOM = "\ufeff"
DELIMITERS = (",", ";")
PAGE = 500
TICKET_COLUMNS = ("ref", "title", "school", "brick", "service", "sub_service", "priority", "state",
                  "assignee", "escalation_level", "sla_state", "created_at", "taken_at",
                  "resolved_at", "closed_at", "take_business_seconds", "resolve_business_seconds")
STATS_COLUMNS = ("key", "label", "opened", "resolved", "closed", "rejected", "backlog", "escalations",
                 *(f"{figure}_{measure}" for figure in ("take_business", "take_wall",
                                                         "resolve_business", "resolve_wall")
                   for measure in ("count", "mean", "median", "p90")),
                 "take_met", "take_total", "take_rate", "resolve_met", "resolve_total", "resolve_rate")


def _lines(rows: Iterable[Iterable[Any]], delimiter: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerows([_cell(v) for v in row] for row in rows)
    return out.getvalue()


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    return value


async def _names(session: AsyncSession, model: Any, column: Any) -> dict[int, str]:
    return {i: name for i, name in (await session.execute(select(model.id, column))).all()}


async def ticket_csv(session: AsyncSession, *, viewer: Principal, filter: TicketFilter,
                     delimiter: str = ",") -> AsyncIterator[str]:
    """The caller's tickets matching `filter`, newest first: the header, then one chunk a page."""
    schools = await _names(session, Tenant, Tenant.name)
    bricks = await _names(session, Brick, Brick.name)
    services = await _names(session, Service, Service.name)
    sub_services = await _names(session, SubService, SubService.name)
    yield BOM + _lines([TICKET_COLUMNS], delimiter)
    page = PageArgs(first=PAGE)
    while True:
        found = await list_tickets(session, viewer=viewer, filter=filter, page=page, max_page_size=PAGE)
        tickets = found.tickets
        assignees = {i for t in tickets if (i := t.assignee_id) is not None}
        people = {i: name for i, name in (await session.execute(select(User.id, User.display_name).where(
            User.id.in_(sorted(assignees))))).all()} if assignees else {}
        yield _lines(([t.ref, t.title, schools.get(t.tenant_id), bricks.get(t.brick_id),
                       services.get(t.service_id), sub_services.get(t.sub_service_id),
                       t.priority.value, t.state.value, people.get(t.assignee_id or 0),
                       t.escalation_level, t.sla_state.value, t.created_at, t.taken_at,
                       t.resolved_at, t.closed_at, t.take_business_seconds,
                       t.resolve_business_seconds] for t in tickets), delimiter)
        if not found.has_next_page or not tickets:
            return
        page = PageArgs(first=PAGE, after=found.cursors[-1])


def stats_row_cells(row: StatsRow, key: str | None, label: str | None) -> list[Any]:
    """One group of figures as CSV cells, in STATS_COLUMNS' order."""
    cells: list[Any] = [key, label, row.opened, row.resolved, row.closed, row.rejected, row.backlog,
                        row.escalations]
    for d in (row.take_business, row.take_wall, row.resolve_business, row.resolve_wall):
        cells += [d.count, d.mean, d.median, d.p90]
    for c in (row.take_compliance, row.resolve_compliance):
        cells += [c.met, c.total, None if c.rate is None else round(c.rate, 6)]
    return cells


async def stats_csv(session: AsyncSession, q: StatsQuery, *, key_of: Callable[[Any], str | None],
                    delimiter: str = ",") -> AsyncIterator[str]:
    """The groups of a stats answer, one line each; `key_of` writes a key as the API gives it."""
    rows = await stats_rows(session, q)
    named = await labels.labels(session, q.group_by, [r.key for r in rows])
    yield BOM + _lines([STATS_COLUMNS], delimiter)
    yield _lines((stats_row_cells(r, key_of(r.key), named.get(r.key)) for r in rows), delimiter)
