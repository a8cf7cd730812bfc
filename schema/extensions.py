"""Operation-level extensions (never per-field: a resolve hook triples execution cost)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from graphql import OperationType
from strawberry.extensions import SchemaExtension

from server.db import WRITER


class TransactionScope(SchemaExtension):
    """Mutations take the write lock before their first statement (SQLite: BEGIN IMMEDIATE)."""

    async def on_execute(self) -> AsyncIterator[None]:
        ctx = self.execution_context
        if ctx.operation_type is OperationType.MUTATION and ctx.context is not None:
            session = ctx.context.session
            if not session.in_transaction():
                await session.connection(execution_options={WRITER: True})
        yield
