"""Operation-level extensions (never per-field: a resolve hook triples execution cost)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from graphql import ExecutionResult, FieldNode, OperationType
from strawberry.extensions import SchemaExtension

from schema.errors import Unauthenticated
from server.db import WRITER


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


class TransactionScope(SchemaExtension):
    """Mutations take the write lock before their first statement (SQLite: BEGIN IMMEDIATE)."""

    async def on_execute(self) -> AsyncIterator[None]:
        ctx = self.execution_context
        if ctx.result is None and ctx.operation_type is OperationType.MUTATION and ctx.context is not None:
            session = ctx.context.session
            if not session.in_transaction():
                await session.connection(execution_options={WRITER: True})
        yield
