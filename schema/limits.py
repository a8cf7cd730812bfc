"""Limits on what one GraphQL request may cost the server, checked before anything heavy runs.

In the order a request meets them:

1. anonymous callers may only introspect (when introspection is on), in a small document: anything
   else is UNAUTHENTICATED before it is parsed beyond that small size;
2. the query's bytes (QUERY_TOO_LARGE), then its tokens, counted by graphql-core's parser as it goes;
3. operations, aliases, depth and directives per field, in one linear pass (schema.document_checks);
4. graphql-core's validation (plus, when introspection is off, its NoSchemaIntrospectionCustomRule);
5. the operation's static cost against the budget (QUERY_TOO_COSTLY, schema.cost);
6. a time limit on the whole operation (TIMEOUT): the view then rolls its transaction back; on a
   WebSocket each query or mutation is bounded alike (WebSocketOperationScope rolls it back).

Accepted operations report their cost in the response's `extensions.cost`.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable
from typing import Any, TypeVar

import strawberry
from graphql import (
    DocumentNode,
    ExecutionResult as GraphQLExecutionResult,
    FieldNode,
    GraphQLError,
    GraphQLSyntaxError,
    OperationDefinitionNode,
    get_operation_ast,
    parse,
)
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.execution import PreExecutionError

from schema.cost import operation_cost
from schema.document_checks import DocumentLimits, DocumentRefused, measure
from schema.document_memo import DocumentMemo, kept
from schema.errors import Unauthenticated
from server.config import Settings
from tenants.i18n.messages import Message

log = logging.getLogger("groupdesk.graphql")
T = TypeVar("T")

# GraphiQL's introspection query is about 2 KB and 300 tokens: an anonymous caller gets no more.
ANONYMOUS_MAX_BYTES = 8 * 1024
ANONYMOUS_MAX_TOKENS = 1_000
# Where the cost of an accepted operation waits for the CostReport extension.
COST_KEY = "groupdesk_cost"


class QueryRefused(GraphQLError):
    def __init__(self, message: str, *, code: str, **extensions: Any) -> None:
        super().__init__(message, extensions={"code": code, **extensions})


class OperationTimedOut(GraphQLError):
    def __init__(self, seconds: float) -> None:
        super().__init__(Message("the operation ran longer than {seconds} s and was stopped; nothing it "
                                 "did was kept", seconds=format(seconds, "g")),
                         extensions={"code": "TIMEOUT", "maxSeconds": seconds})


@functools.cache
def _default_settings() -> Settings:
    return Settings(_env_file=None)


def settings_of(context: Any) -> Settings:
    return getattr(context, "settings", None) or _default_settings()


# Clients send the same few documents again and again: small ones are parsed once (and measured
# once, schema.document_memo). Large ones are not kept, so that distinct large documents cannot
# fill the memory with syntax trees.
_MEASURED: DocumentMemo[DocumentRefused | None] = DocumentMemo()
_COSTS: DocumentMemo[int] = DocumentMemo()


@functools.lru_cache(maxsize=512)
def _cached_parse(query: str, max_tokens: int) -> DocumentNode:
    return parse(query, max_tokens=max_tokens)


def _parse(query: str, max_tokens: int) -> DocumentNode:
    if kept(query):
        return _cached_parse(query, max_tokens)
    return parse(query, max_tokens=max_tokens)


def _only_introspection(operation: OperationDefinitionNode) -> bool:
    return all(isinstance(s, FieldNode) and s.name.value.startswith("__")
               for s in operation.selection_set.selections)


def _anonymous_may_run(document: DocumentNode, operation_name: str | None) -> bool:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name:
        operations = [o for o in operations if o.name is not None and o.name.value == operation_name]
    return bool(operations) and all(_only_introspection(o) for o in operations)


def checked_document(query: str, *, settings: Settings, anonymous: bool,
                     operation_name: str | None) -> DocumentNode:
    """The parsed document, once it is within every limit; a GraphQLError otherwise."""
    size = len(query.encode())
    if anonymous and (not settings.introspection_enabled or size > ANONYMOUS_MAX_BYTES):
        raise Unauthenticated()
    if size > settings.max_query_bytes:
        raise QueryRefused(Message("the query is {size} bytes; at most {limit} are allowed", size=size,
                                   limit=settings.max_query_bytes), code="QUERY_TOO_LARGE")
    max_tokens = min(settings.max_query_tokens, ANONYMOUS_MAX_TOKENS) if anonymous \
        else settings.max_query_tokens
    try:
        document = _parse(query, max_tokens)
    except GraphQLSyntaxError as error:
        if anonymous:
            raise Unauthenticated() from None
        if "more than" in error.message and "tokens" in error.message:
            raise QueryRefused(Message("the query holds more than {limit} tokens; at most {limit} are allowed",
                                       limit=max_tokens), code="QUERY_TOO_LARGE") from None
        if "nested too deeply" in error.message:
            raise QueryRefused(Message("the query is nested too deeply to be read"),
                               code="QUERY_TOO_DEEP") from None
        raise
    except RecursionError:
        raise QueryRefused(Message("the query is nested too deeply to be read"), code="QUERY_TOO_DEEP") from None
    if anonymous and not _anonymous_may_run(document, operation_name):
        raise Unauthenticated()
    limits = DocumentLimits(max_operations=settings.max_operations, max_aliases=settings.max_aliases,
                            max_depth=settings.max_query_depth,
                            max_directives_per_field=settings.max_directives_per_field)
    refused = _MEASURED.get(document, limits, lambda: _refusal(document, limits), keep=kept(query))
    if refused is not None:
        raise QueryRefused(refused.message, code=refused.code)
    return document


def _refusal(document: DocumentNode, limits: DocumentLimits) -> DocumentRefused | None:
    try:
        measure(document, limits)
    except DocumentRefused as refused:
        return refused
    return None


class CostReport(SchemaExtension):
    """`extensions.cost` of an HTTP response: what the operation was counted, and the budget.

    Not on a WebSocket, where it would repeat itself on every event of a subscription.
    """

    def get_results(self) -> dict[str, Any]:
        context = self.execution_context.context
        if getattr(context, "websocket", False):
            return {}
        cost = getattr(context, "extras", {}).get(COST_KEY)
        return {} if cost is None else {"cost": cost}


class GuardedSchema(strawberry.Schema):
    """A strawberry Schema that checks documents before validation and bounds execution time."""

    async def _prepare_operation_async(self, context: ExecutionContext,
                                       extensions_runner: Any) -> PreExecutionError | None:
        settings = settings_of(context.context)
        if context.graphql_document is None and context.query:
            caller = context.context
            anonymous = caller is not None and getattr(caller, "principal", None) is None
            try:
                context.graphql_document = checked_document(
                    context.query, settings=settings, anonymous=anonymous,
                    operation_name=context.operation_name)
            except GraphQLError as error:
                context.pre_execution_errors = [error]
                return PreExecutionError(data=None, errors=[error])
        if not settings.introspection_enabled:
            context.validation_rules = (*context.validation_rules, NoSchemaIntrospectionCustomRule)
        refused = await super()._prepare_operation_async(context, extensions_runner)
        if refused is not None:
            return refused
        return self._over_budget(context, settings)

    def _over_budget(self, context: ExecutionContext, settings: Settings) -> PreExecutionError | None:
        assert context.graphql_document is not None
        operation = get_operation_ast(context.graphql_document, context.operation_name)
        if operation is None:
            return None
        document = context.graphql_document

        def count() -> int:
            return operation_cost(self._schema, document, operation, context.variables,
                                  max_page_size=settings.max_page_size)

        # Without variables nothing but the document sizes its lists: counted once per document.
        cost = _COSTS.get(document, (self._schema, context.operation_name, settings.max_page_size), count,
                          keep=kept(context.query) and not operation.variable_definitions)
        extras = getattr(context.context, "extras", None)
        if extras is not None:
            extras[COST_KEY] = {"requested": cost, "maximum": settings.max_query_cost}
        if cost <= settings.max_query_cost:
            return None
        error = QueryRefused(Message("the operation would cost {cost}, over the budget of {limit}: ask for "
                                     "smaller pages (first/last) or fewer nested lists", cost=cost,
                                     limit=settings.max_query_cost), code="QUERY_TOO_COSTLY", cost=cost,
                             maxCost=settings.max_query_cost)
        context.pre_execution_errors = [error]
        return PreExecutionError(data=None, errors=[error])

    async def execute(self, query: str | None, variable_values: dict[str, Any] | None = None,
                      context_value: Any | None = None, *args: Any, **kwargs: Any) -> ExecutionResult:
        timed = await within_time_limit(
            super().execute(query, variable_values, context_value, *args, **kwargs), context_value)
        return ExecutionResult(data=None, errors=[timed]) if isinstance(timed, OperationTimedOut) else timed

    async def _execute_operation(self, execution_context: ExecutionContext, *args: Any,
                                 **kwargs: Any) -> Any:
        # Over HTTP `execute` bounds the whole request. A query or mutation sent on a WebSocket
        # runs through `stream`, which executes it here (a subscription never does): bounded alike.
        running = super()._execute_operation(execution_context, *args, **kwargs)
        if not getattr(execution_context.context, "websocket", False):
            return await running
        timed = await within_time_limit(running, execution_context.context)
        return GraphQLExecutionResult(data=None, errors=[timed]) if isinstance(timed, OperationTimedOut) \
            else timed


async def within_time_limit(running: Awaitable[T], context: Any) -> T | OperationTimedOut:
    """What `running` returns, or the TIMEOUT error once it took longer than the settings allow.

    Its task is cancelled at the limit; the caller's result then carries the error, so the view
    (HTTP) or WebSocketOperationScope (WebSocket) rolls the transaction back.
    """
    seconds = settings_of(context).max_execution_seconds
    limit = asyncio.timeout(seconds)
    # Said when the limit strikes, not once the operation has unwound: a SQLite statement waiting
    # for the write lock only returns when the lock is free (or after its busy timeout).
    warning = asyncio.get_running_loop().call_later(seconds, _log_stopping, seconds, context)
    try:
        async with limit:
            return await running
    except TimeoutError:
        if not limit.expired():
            raise
        return OperationTimedOut(seconds)
    finally:
        warning.cancel()


def _log_stopping(seconds: float, context: Any) -> None:
    log.warning("operation over its time limit: stopping it, nothing it did is kept",
                extra={"fields": {"max_seconds": seconds, "request_id": getattr(context, "request_id", "-"),
                                  "websocket": bool(getattr(context, "websocket", False))}})
