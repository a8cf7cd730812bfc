"""Operation-level extensions (never per-field: a resolve hook triples execution cost)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from graphql import ExecutionResult, FieldNode, GraphQLError
from strawberry.extensions import SchemaExtension
# Strawberry's own enum: ExecutionContext.operation_type is never graphql-core's OperationType.
from strawberry.types.graphql import OperationType

from schema.errors import Unauthenticated
from tenants.i18n.messages import Message


def _only_introspection(operation: object) -> bool:
    selections = getattr(getattr(operation, "selection_set", None), "selections", ())
    return all(isinstance(s, FieldNode) and s.name.value.startswith("__") for s in selections)


class RequireAuthentication(SchemaExtension):
    """Anonymous callers may introspect the schema (GraphiQL's docs) and nothing else.

    One check per operation, so no root field can forget it.
    """

    async def on_execute(self) -> AsyncIterator[None]:
        ctx = self.execution_context
        context = ctx.context
        if context is not None and context.principal is None:
            document = ctx.graphql_document
            operations = [d for d in (document.definitions if document else ())
                          if getattr(d, "operation", None) is not None]
            if ctx.operation_name:
                operations = [o for o in operations
                              if o.name is not None and o.name.value == ctx.operation_name]
            if not all(_only_introspection(o) for o in operations):
                ctx.result = ExecutionResult(data=None, errors=[Unauthenticated()])
        yield


class WebSocketOperationScope(SchemaExtension):
    """Operations on a WebSocket get their own context, and a transaction per result they send.

    Over HTTP the view commits once per request. A WebSocket carries many operations for a long
    time: sharing one session would interleave them, and a subscription holding a transaction open
    would pin old rows (PostgreSQL) or block checkpoints (SQLite). So each result ends its
    transaction (commit when it carries no error) and the next one opens a fresh session.
    """

    async def on_operation(self) -> AsyncIterator[None]:
        ctx = self.execution_context
        context = ctx.context
        if context is None or not getattr(context, "websocket", False):
            yield
            return
        ctx.context = context.for_operation()
        try:
            yield
        finally:
            await ctx.context.finish(success=False)  # nothing to do when a result already ended it

    async def on_execute(self) -> AsyncIterator[None]:
        ctx = self.execution_context
        over_http = ctx.context is not None and not getattr(ctx.context, "websocket", False)
        if ctx.result is None and over_http and ctx.operation_type is OperationType.SUBSCRIPTION:
            ctx.result = ExecutionResult(data=None, errors=[GraphQLError(
                Message("subscriptions are served over WebSocket (graphql-transport-ws) at /graphql"),
                extensions={"code": "BAD_REQUEST"})])
        yield

    async def on_stream_result(self, result: Any) -> None:
        context = self.execution_context.context
        if context is not None and getattr(context, "websocket", False):
            await context.finish(success=not getattr(result, "errors", None))


class TransactionScope(SchemaExtension):
    """Mutations take the write lock before their first statement (SQLite: BEGIN IMMEDIATE)."""

    async def on_execute(self) -> AsyncIterator[None]:
        ctx = self.execution_context
        if ctx.result is None and ctx.operation_type is OperationType.MUTATION and ctx.context is not None:
            await ctx.context.begin_writing()
        yield
