"""Arguments refused before execution, each error naming the argument: text the database cannot
store, ids that are not this API's, JSON nested too deep, and documents that do not say which
operation to run.

Checked once per operation over the arguments as sent (literals and variables), so no resolver
can forget it and nothing reaches the database: PostgreSQL refuses NUL in text, asyncpg cannot
encode a lone surrogate, and strawberry decodes ids leniently (a NUL or any junk after a valid id
is dropped, "garbage" becomes an error without a code).

The document's walk is made once per document (its literals' problems and where its variables
are used, in document order) and kept; a request only checks its variables' values at those
places.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from graphql import (
    ExecutionResult,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNamedType,
    ListValueNode,
    Node,
    ObjectValueNode,
    OperationDefinitionNode,
    OperationType,
    StringValueNode,
    TypeInfo,
    TypeInfoVisitor,
    VariableNode,
    Visitor,
    get_named_type,
    get_nullable_type,
    visit,
)
from strawberry.extensions import SchemaExtension

from schema.document_memo import DocumentMemo, kept
from server.validation import text_problem
from tenants.i18n.messages import Message

GLOBAL_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*:[^\x00]*$")
# More than this many problems in one request are not worth listing.
MAX_PROBLEMS = 20


def is_global_id(text: str) -> bool:
    """Strictly base64 of "Type:id", as this API writes ids (strawberry skips junk characters)."""
    try:
        decoded = base64.b64decode(text.encode("ascii"), validate=True).decode("utf-8")
    except (UnicodeError, binascii.Error, ValueError):
        return False
    return GLOBAL_ID.match(decoded) is not None


NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _path(parts: list[str | int]) -> str:
    """`input.requestData.role`, `filter.schoolIds[3]`; odd JSON keys quoted and escaped."""
    shown = ""
    for part in parts:
        if isinstance(part, int):
            shown += f"[{part}]"
        elif not NAME.match(part):
            shown += f"[{json.dumps(part)}]"
        else:
            shown += f".{part}" if shown else part
    return shown


Problem = tuple[str, Message, Node]


@dataclass(frozen=True, slots=True)
class _Use:
    """Where a variable is used as (part of) an argument: its value is checked there."""

    name: str
    type: Any
    path: list[str | int]
    depth: int
    node: Node


class _ArgumentWalker(Visitor):
    """Collects (argument path, problem, node) for every argument of a document, in document
    order; a variable's use is recorded as a `_Use`, to be checked against each request's value
    (`check_value`)."""

    def __init__(self, type_info: TypeInfo | None, max_depth: int, check_text: bool) -> None:
        super().__init__()
        self.type_info = type_info
        self.check_text = check_text
        self.max_depth = max_depth
        self.problems: list[Problem | _Use] = []

    def enter_argument(self, node: Any, *_: Any) -> None:
        assert self.type_info is not None
        argument = self.type_info.get_argument()
        self._literal(node.value, argument.type if argument else None, [node.name.value], 0, node)

    def check_value(self, use: _Use, value: Any) -> list[Problem | _Use]:
        """The problems of one variable's value at one of its uses."""
        self.problems = []
        self._value(value, use.type, use.path, use.depth, use.node)
        return self.problems

    def _report(self, path: list[str | int], problem: Message, node: Node) -> None:
        self.problems.append((_path(path), problem, node))

    def _too_deep(self, path: list[str | int], depth: int, node: Node) -> bool:
        if depth <= self.max_depth:
            return False
        self._report(path, Message("nested deeper than {limit} levels", limit=self.max_depth), node)
        return True

    def _string(self, text: str, named: GraphQLNamedType | None, path: list[str | int],
                node: Node) -> None:
        problem = text_problem(text) if self.check_text else None
        if problem is None and named is not None and named.name == "ID" and not is_global_id(text):
            problem = Message("not a GlobalID of this API (send an `id` exactly as the API returned it)")
        if problem is not None:
            self._report(path, problem, node)

    def _literal(self, value: Any, type_: Any, path: list[str | int], depth: int,
                 node: Node) -> None:
        nullable = get_nullable_type(type_) if type_ is not None else None
        if isinstance(value, VariableNode):
            self.problems.append(_Use(value.name.value, type_, list(path), depth, value))
        elif isinstance(value, StringValueNode):
            self._string(value.value, get_named_type(type_) if type_ else None, path, value)
        elif isinstance(value, ListValueNode):
            if self._too_deep(path, depth + 1, value):
                return
            item = nullable.of_type if isinstance(nullable, GraphQLList) else type_
            for index, element in enumerate(value.values):
                self._literal(element, item, [*path, index], depth + 1, node)
        elif isinstance(value, ObjectValueNode):
            if self._too_deep(path, depth + 1, value):
                return
            for field in value.fields:
                self._literal(field.value, _field_type(nullable, field.name.value),
                              [*path, field.name.value], depth + 1, node)

    def _value(self, value: Any, type_: Any, path: list[str | int], depth: int,
               node: Node) -> None:
        nullable = get_nullable_type(type_) if type_ is not None else None
        if isinstance(value, str):
            self._string(value, get_named_type(type_) if type_ else None, path, node)
        elif isinstance(value, list):
            if self._too_deep(path, depth + 1, node):
                return
            item = nullable.of_type if isinstance(nullable, GraphQLList) else type_
            for index, element in enumerate(value):
                self._value(element, item, [*path, index], depth + 1, node)
        elif isinstance(value, dict):
            if self._too_deep(path, depth + 1, node):
                return
            for key, element in value.items():
                # Keys of a JSON value (requestData) are stored too.
                problem = text_problem(key) if self.check_text else None
                if problem is not None:
                    self._report([*path, key], Message("key {problem}", problem=problem), node)
                self._value(element, _field_type(nullable, key), [*path, key], depth + 1, node)


def _field_type(parent: Any, name: str) -> Any:
    """An input object's field type; None inside a JSON value (any key, any text)."""
    if isinstance(parent, GraphQLInputObjectType):
        field = parent.fields.get(name)
        return field.type if field else None
    return None


def _operations(document: Any) -> list[OperationDefinitionNode]:
    return [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]


# The walks by document (the parse cache hands out one object per query text), bounded like it.
_WALKS: DocumentMemo[tuple[Problem | _Use, ...]] = DocumentMemo()


def _walk(schema: Any, document: Any, max_depth: int, check_text: bool) -> tuple[Problem | _Use, ...]:
    """The document's literal problems and variable uses, in document order."""
    type_info = TypeInfo(schema)
    walker = _ArgumentWalker(type_info, max_depth, check_text)
    visit(document, TypeInfoVisitor(type_info, walker))
    return tuple(walker.problems)


def argument_errors(schema: Any, document: Any, variables: dict[str, Any] | None,
                    max_depth: int, *, check_text: bool = True,
                    query: str | None = None) -> list[GraphQLError]:
    """One BAD_USER_INPUT error per argument that cannot be used, naming it (at most
    MAX_PROBLEMS, the first in document order). `query`: the document's text, when the parse
    cache keeps it, so the document is walked once (schema.document_memo)."""
    variables = variables or {}
    checker = _ArgumentWalker(None, max_depth, check_text)
    problems: list[Problem] = []
    walked = _WALKS.get(document, (schema, max_depth, check_text),
                        lambda: _walk(schema, document, max_depth, check_text), keep=kept(query))
    for item in walked:
        if len(problems) >= MAX_PROBLEMS:
            break
        if not isinstance(item, _Use):
            problems.append(item)
        elif item.name in variables:
            problems.extend(p for p in checker.check_value(item, variables[item.name])
                            if not isinstance(p, _Use))
    return [GraphQLError(Message("{field}: {problem}", field=field, problem=problem), node, extensions={
        "code": "BAD_USER_INPUT", "fields": [{"field": field, "message": problem}]})
        for field, problem, node in problems[:MAX_PROBLEMS]]


def _errors(execution_context: Any) -> Iterator[GraphQLError]:
    document = execution_context.graphql_document
    if document is None:
        return
    operations = _operations(document)
    # `operation_name` falls back to the first operation's name; only the name the client sent counts.
    if len(operations) > 1 and execution_context._provided_operation_name is None:
        yield GraphQLError(Message("the document holds {count} operations: say which one to run "
                                   "with `operationName`", count=len(operations)), extensions={"code": "BAD_REQUEST"})
        return
    context = execution_context.context
    max_depth = context.settings.max_json_depth if context is not None else 64
    # A mutation's text is checked by its service (a typed ValidationFailed naming the field, which
    # the payload union carries) and, for any field a service does not check, by the flush guard
    # (server/storable.py). Queries have no payload to carry it: refused here.
    mutation = any(o.operation is OperationType.MUTATION for o in operations)
    yield from argument_errors(execution_context.schema._schema, document,
                               execution_context.variables, max_depth, check_text=not mutation,
                               query=execution_context.query)


class ArgumentChecks(SchemaExtension):
    """Refuses the operation before it runs when an argument cannot be used (see the module)."""

    def on_execute(self) -> Iterator[None]:
        ctx = self.execution_context
        if ctx.result is None:
            errors = list(_errors(ctx))
            if errors:
                ctx.result = ExecutionResult(data=None, errors=errors)
        yield
