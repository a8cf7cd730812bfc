"""Free-text search over tickets: title, description and comments, accent-insensitive French.

The index (migration 0006) holds one document per ticket, kept in sync by triggers. PostgreSQL
reads the text with `websearch_to_tsquery` in the `fr` configuration (unaccent, then French
stems: "equipe" finds "équipes"). SQLite's FTS5 removes diacritics but does not stem, so each
bare word matches as a prefix ("equipe" finds "équipes", "créer" does not find "création"); a
"quoted phrase" matches exactly. Both understand "phrases", `-word` (exclude) and `or`.

Internal comments are searched only on tickets whose internal comments the caller may read
(access.shows_internal); an exact ref such as GRP-2026-000123 goes to the ref's unique index.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import (
    ColumnElement,
    and_,
    case,
    column,
    false,
    func,
    literal_column,
    not_,
    or_,
    select,
    table,
    true,
)
from sqlalchemy import text as sql_text
from sqlalchemy.ext.asyncio import AsyncSession

from server.tickets.access import shows_internal
from server.tickets.models import Ticket
from server.tickets.refs import REF
from tenants.policy import TicketScope

TEXT_MAX = 200
PLAN_WITH_VALUES = sql_text("SET LOCAL plan_cache_mode = force_custom_plan")

# Items of a web-search style query: an optionally negated "phrase" or a bare word.
_ITEM = re.compile(r'(-?)"([^"]*)"?|(\S+)')
# What FTS5's unicode61 tokenizer keeps as a token: letters and digits.
_WORD = re.compile(r"[^\W_]+")
_PUBLIC_COLUMNS = "{title description comments}"

_fts = table("ticket_fts", column("rowid"), column("ticket_id"), column("public_document"),
             column("staff_document"))


@dataclass(frozen=True, slots=True)
class Fts5Query:
    """A user's text as FTS5 expressions: what must match, and what must not."""

    include: str | None
    exclude: str | None


def _phrase(text: str, prefix: bool) -> str | None:
    words = _WORD.findall(text)
    if not words:
        return None
    # Only letters and digits remain, so the double quotes cannot be broken out of.
    return '"' + " ".join(words) + '"' + ("*" if prefix else "")


def fts5_query(text: str) -> Fts5Query:
    """Turn free text into FTS5 MATCH expressions in which every user term is quoted."""
    include: list[str] = []
    exclude: list[str] = []
    for negated, quoted, bare in _ITEM.findall(text):
        if bare.lower() == "or":
            if include and include[-1] != "OR":
                include.append("OR")
            continue
        if bare.startswith("-") and len(bare) > 1:
            negated, bare = "-", bare[1:]
        phrase = _phrase(quoted or bare, prefix=not quoted)
        if phrase is None:
            continue
        (exclude if negated else include).append(phrase)
    while include and include[-1] == "OR":
        include.pop()
    return Fts5Query(include=" ".join(include) or None, exclude=" OR ".join(exclude) or None)


def has_words(text: str) -> bool:
    return _WORD.search(text) is not None


def exact_ref(text: str) -> str | None:
    candidate = text.strip().upper()
    return candidate if REF.match(candidate) else None


def _sqlite_matches(expression: str, *, public_only: bool) -> ColumnElement[bool]:
    if public_only:
        expression = f"{_PUBLIC_COLUMNS} : ({expression})"
    return Ticket.id.in_(select(_fts.c.rowid).where(literal_column("ticket_fts").match(expression)))


def _sqlite_condition(query: Fts5Query, *, public_only: bool) -> ColumnElement[bool]:
    found: list[ColumnElement[bool]] = []
    if query.include is not None:
        found.append(_sqlite_matches(query.include, public_only=public_only))
    if query.exclude is not None:
        found.append(not_(_sqlite_matches(query.exclude, public_only=public_only)))
    return and_(*found)


def _postgres_condition(text: str, *, public_only: bool) -> ColumnElement[bool]:
    document = _fts.c.public_document if public_only else _fts.c.staff_document
    query = func.websearch_to_tsquery(literal_column("'fr'::regconfig"), text)
    return Ticket.id.in_(select(_fts.c.ticket_id).where(document.op("@@")(query)))


async def plan_for_each_search(session: AsyncSession) -> None:
    """PostgreSQL: plan this transaction's statements with their actual values.

    A prepared statement run five times may switch to a generic plan, which cannot see how rare
    the searched words or the caller's school are: for a word in 100 tickets it walks the whole
    date index to fill a page of 20 (130 ms instead of 4 at 100,000 tickets).
    """
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(PLAN_WITH_VALUES)


def text_condition(dialect: str, text: str, scope: TicketScope) -> ColumnElement[bool] | None:
    """The condition for tickets matching `text` as `scope` may read them; None: no filter."""
    ref = exact_ref(text)
    if ref is not None:
        return Ticket.ref == ref
    if not has_words(text):
        return None
    if dialect == "postgresql":
        public, full = (_postgres_condition(text, public_only=True),
                        _postgres_condition(text, public_only=False))
    else:
        query = fts5_query(text)
        if query.include is None and query.exclude is None:
            return None
        public, full = (_sqlite_condition(query, public_only=True),
                        _sqlite_condition(query, public_only=False))
    if not scope.internal_comments:
        return public
    if scope.all:
        return full
    # CASE, not the bare condition: NOT over a NULL comparison (no assignee) would drop the row.
    as_staff = case((shows_internal(scope), true()), else_=false())
    return or_(and_(as_staff, full), and_(not_(as_staff), public))
