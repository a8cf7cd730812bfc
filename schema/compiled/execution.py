"""Running a query by its compiled plan, in place of graphql-core's field-by-field walk.

The plan runs where graphql-core's `execute` would: after parsing, the document limits,
validation, the cost budget and every extension's `on_execute` (authentication, argument checks),
inside the time limit and the view's transaction. Its result is an ordinary ExecutionResult, so
error masking, `extensions.cost` and the HTTP status are what they always were. Whatever the planner
does not compile runs through graphql-core, counted and logged (schema.compiled.fallback).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLField,
    OperationDefinitionNode,
    OperationType,
    get_operation_ast,
)
from graphql.execution import Executor
from strawberry import Schema
from strawberry.types import ExecutionContext
from strawberry.types.arguments import convert_arguments
from strawberry.utils.await_maybe import await_maybe

from schema.compiled import fallback
from schema.compiled.fallback import NotCompiled
from schema.compiled.planner import DocumentPlan, PlanCache
from schema.compiled.rows import fetch
from schema.compiled.serializer import Response

DEFINITION = "strawberry-definition"


class CompiledSchema(Schema):
    """A strawberry Schema that answers the queries it can compile without graphql-core."""

    _plans: PlanCache | None = None

    def _plan_cache(self) -> PlanCache:
        if self._plans is None:
            self._plans = PlanCache()
        return self._plans

    def _convert(self, definition: GraphQLField, raw: dict[str, Any]) -> dict[str, Any]:
        """The root field's arguments as its resolver receives them (inputs, ids, enums)."""
        field = definition.extensions[DEFINITION]
        return convert_arguments(raw, field.arguments, scalar_registry=self.schema_converter.scalar_registry,
                                 config=self.config)

    async def _execute_operation(self, execution_context: ExecutionContext, extensions_runner: Any,
                                 middleware_manager: Any, execute_function: Callable[..., Any],
                                 custom_context_kwargs: dict[str, Any]) -> Any:
        core = execute_function

        async def compiled_or_core(schema: Any, document: Any, **kwargs: Any) -> Any:
            result = await self._run_compiled(execution_context, document, kwargs)
            if result is not None:
                return result
            return await await_maybe(core(schema, document, **kwargs))

        return await super()._execute_operation(execution_context, extensions_runner,  # type: ignore[misc]
                                                middleware_manager, compiled_or_core,
                                                custom_context_kwargs)

    async def _run_compiled(self, execution_context: ExecutionContext, document: Any,
                            kwargs: dict[str, Any]) -> ExecutionResult | None:
        """The compiled answer, or None to let graphql-core answer."""
        context = kwargs.get("context_value")
        settings = getattr(context, "settings", None)
        query = execution_context.query
        if not getattr(settings, "compiled_execution", False) or query is None \
                or not hasattr(context, "session"):
            return None
        operation_name = kwargs.get("operation_name")
        operation = get_operation_ast(document, operation_name)
        if operation is None:  # graphql-core says which operation is missing
            return None
        try:
            plan = self._plan_cache().get(query, operation_name, document, operation)
        except NotCompiled as refused:
            fallback.fall_back(query, refused.reason, operation_name)
            return None
        result = await self.run_plan(plan, document, context, kwargs.get("variable_values"),
                                     operation_name, query=query)
        if result is None:
            return None
        if operation.operation is OperationType.QUERY:
            # What the view needs to serve this document again by its known path (schema.view).
            context.extras[COMPILED_RUN] = CompiledRun(document, operation, plan)
        return result

    async def run_plan(self, plan: DocumentPlan, document: DocumentNode, context: Any,
                       variables: dict[str, Any] | None, operation_name: str | None, *,
                       query: str) -> ExecutionResult | None:
        """Run a document's plan with these variables: its result, or None when graphql-core must
        answer this run (the reason counted: variables it refuses, arguments it must refuse)."""
        try:
            executor = Executor.build(self._schema, document, context_value=context,
                                      raw_variable_values=variables, operation_name=operation_name)
            if isinstance(executor, list):  # graphql-core says what is wrong with them
                raise NotCompiled("variables refused")
            shape = plan.shape(executor)
            values, fetched = await fetch(shape, executor, context, self._convert)
        except NotCompiled as refused:
            fallback.fall_back(query, refused.reason, operation_name)
            return None
        response = Response(fetched)
        data = response.data(shape, values)
        fallback.compiled()
        return ExecutionResult(data=data, errors=response.errors or None)


# Where _run_compiled leaves what it ran (context.extras).
COMPILED_RUN = "groupdesk_compiled_run"


@dataclass(frozen=True, slots=True)
class CompiledRun:
    """A query answered by its plan: the parsed document, its operation and the plan."""

    document: DocumentNode
    operation: OperationDefinitionNode
    plan: DocumentPlan
