"""`GET /exports/tickets.csv` and `/exports/stats.csv`: the `tickets` list and `stats` as CSV.

Authenticated like /graphql (the same bearer credentials, through the same gate and its limits),
filtered by the query string with the names of the GraphQL `TicketFilter` (lists repeated or
comma-separated, ids as global ids), `sep=;` for French spreadsheets. The body is streamed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from strawberry import relay

from schema.languages import language_of_request
from schema.reports.types import key_of
from schema.tickets.lists import TicketFilter
from schema.tickets.lists import _filter as domain_filter
from server.catalog.models import Priority
from server.config import Settings
from server.errors import GroupdeskError, PermissionDenied, ValidationFailed
from server.identity.auth import AuthenticationFailed
from server.identity.gate import AuthenticationGate
from server.identity.rate_limits import RateLimited
from server.reports import exports, stats
from server.tickets.models import SlaState
from server.tickets.workflow import TicketState
from tenants.context import Principal
from tenants.i18n.messages import Message, in_language, read_in, reading_language

LISTS: dict[str, tuple[str, Any]] = {
    "states": ("states", TicketState), "schoolIds": ("school_ids", relay.GlobalID.from_id),
    "brickIds": ("brick_ids", relay.GlobalID.from_id), "serviceIds": ("service_ids", relay.GlobalID.from_id),
    "subServiceIds": ("sub_service_ids", relay.GlobalID.from_id),
    "assigneeIds": ("assignee_ids", relay.GlobalID.from_id), "priorities": ("priorities", Priority),
    "slaStates": ("sla_states", SlaState)}
SINGLES: dict[str, tuple[str, Any]] = {
    "unassigned": ("unassigned", lambda v: {"true": True, "false": False}[v]),
    "escalated": ("escalated", lambda v: {"true": True, "false": False}[v]),
    "minEscalationLevel": ("min_escalation_level", int),
    "createdAfter": ("created_after", dt.datetime.fromisoformat),
    "createdBefore": ("created_before", dt.datetime.fromisoformat),
    "updatedAfter": ("updated_after", dt.datetime.fromisoformat),
    "updatedBefore": ("updated_before", dt.datetime.fromisoformat),
    "dueBefore": ("due_before", dt.datetime.fromisoformat), "text": ("text", str)}


def _parse(request: Request, name: str, parse: Any) -> Any:
    try:
        return parse(request.query_params[name])
    except (ValueError, KeyError):
        raise ValidationFailed({name: Message("not a value this parameter takes")}) from None


def ticket_filter(request: Request, settings: Settings) -> Any:
    """The query string as the domain's TicketFilter, checked like the GraphQL argument."""
    given: dict[str, Any] = {}
    for name, (attribute, parse) in LISTS.items():
        values = [v for raw in request.query_params.getlist(name) for v in raw.split(",") if v]
        if values:
            try:
                given[attribute] = [parse(v) for v in values]
            except ValueError:
                raise ValidationFailed({name: Message("holds a value this parameter does not take")}) from None
    for name, (attribute, parse) in SINGLES.items():
        if name in request.query_params:
            given[attribute] = _parse(request, name, parse)
    return domain_filter(TicketFilter(**given), settings.max_filter_values)


class CsvExports:
    """The two export endpoints, sharing the GraphQL view's authentication gate."""

    def __init__(self, gate: AuthenticationGate, sessions: async_sessionmaker[AsyncSession],
                 settings: Settings) -> None:
        self.gate = gate
        self.sessions = sessions
        self.settings = settings

    async def _caller(self, request: Request) -> Principal | Response:
        # Refusals read in the language the request asks for; the caller's own once known.
        read_in(language_of_request(request.headers, None))
        address = request.client.host if request.client else None
        try:
            found = await self.gate.admit(request.headers.get("authorization"), address)
        except AuthenticationFailed as exc:
            return _refusal(401, str(exc), {"WWW-Authenticate": "Bearer"})
        except RateLimited as exc:
            return _refusal(429, exc.message, {"Retry-After": str(exc.retry_after)})
        if found is None:
            return _refusal(401, "authentication required: send Authorization: Bearer <token>",
                            {"WWW-Authenticate": "Bearer"})
        read_in(language_of_request(request.headers, found.principal))
        return found.principal

    async def tickets(self, request: Request) -> Response:
        caller = await self._caller(request)
        if isinstance(caller, Response):
            return caller
        try:
            delimiter = _delimiter(request)
            wanted = ticket_filter(request, self.settings)
            wanted.check()
        except GroupdeskError as exc:
            return _problem(exc)
        return self._stream("tickets.csv", lambda session: exports.ticket_csv(
            session, viewer=caller, filter=wanted, delimiter=delimiter))

    async def stats(self, request: Request) -> Response:
        caller = await self._caller(request)
        if isinstance(caller, Response):
            return caller
        try:
            delimiter = _delimiter(request)
            group_by = stats.GroupBy(request.query_params.get("groupBy", "NONE"))
        except (ValueError, GroupdeskError):
            return _problem(ValidationFailed({"groupBy": Message("one of {values}",
                                                                 values=", ".join(stats.GroupBy))}))
        try:
            period = stats.Period(_parse(request, "start", dt.datetime.fromisoformat),
                                  _parse(request, "end", dt.datetime.fromisoformat))
            q = stats.StatsQuery(viewer=caller, period=period, group_by=group_by,
                                 filter=ticket_filter(request, self.settings))
            async with self.sessions() as session:
                await stats.checked(session, q)
        except GroupdeskError as exc:
            return _problem(exc)
        return self._stream("stats.csv", lambda session: exports.stats_csv(
            session, q, key_of=lambda key: key_of(group_by, key), delimiter=delimiter))

    def _stream(self, name: str, chunks: Any) -> StreamingResponse:
        async def body() -> AsyncIterator[bytes]:
            async with self.sessions() as session:
                async for chunk in chunks(session):
                    yield chunk.encode("utf-8")

        return StreamingResponse(body(), media_type="text/csv; charset=utf-8",
                                 headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _delimiter(request: Request) -> str:
    sep = request.query_params.get("sep", ",")
    if sep not in exports.DELIMITERS:
        raise ValidationFailed({"sep": Message("{comma} or {semicolon}", comma="','", semicolon="';'")})
    return sep


def _refusal(status: int, message: str, headers: dict[str, str]) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def _problem(exc: GroupdeskError) -> JSONResponse:
    language = reading_language()
    if isinstance(exc, PermissionDenied):
        return JSONResponse({"error": in_language(exc.message, language)}, status_code=403)
    body: dict[str, Any] = {"error": in_language(exc.message, language)}
    if isinstance(exc, ValidationFailed):
        body["fields"] = [{"field": e.field, "message": in_language(e.message, language)}
                          for e in exc.errors]
    if hasattr(exc, "public_message"):
        body["error"] = in_language(exc.public_message(), language)
    return JSONResponse(body, status_code=400)
