"""The static cost of an operation, computed from the validated document before it runs.

Every field costs 1. A field returning a list multiplies what is selected under it by the number of
items it may return: its `first`, `last` or `count` argument (the variable's value, or the
argument's default), capped at the largest page size; a list without such an argument counts
`UNSIZED_LIST_ITEMS` items. A connection (a type with `edges` and `pageInfo`) passes its page size
to its `edges` and `nodes`, so `tickets(first: 100) { edges { node { ref } } }` costs
1 + 1 + 100 x (1 + 1) = 202.

Introspection (`__schema`, `__type`) is answered from the schema in memory: each of its fields
costs 1, unmultiplied (GraphiQL's query would otherwise count 50,000 for 1,500 objects). It is
off in production unless GROUPDESK_INTROSPECTION turns it on.

Each fragment is costed once per page size it is spread under (memoised), so costing is linear
in the document's size like the other document checks.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLList,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLInterfaceType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
)
from graphql.language import OperationType
from graphql.type.introspection import SchemaMetaFieldDef, TypeMetaFieldDef, TypeNameMetaFieldDef

from server.pagination import DEFAULT_PAGE_SIZE

# Items counted for a list field that takes no size argument (bricks, services, introspection's
# types and fields...): the catalogue's lists are short, and this keeps nested lists expensive.
UNSIZED_LIST_ITEMS = 10
SIZE_ARGUMENTS = ("first", "last", "count")
_META_FIELDS = {"__schema": SchemaMetaFieldDef, "__type": TypeMetaFieldDef,
                "__typename": TypeNameMetaFieldDef}


def is_connection(type_: GraphQLNamedType) -> bool:
    return isinstance(type_, GraphQLObjectType) and {"edges", "pageInfo"} <= type_.fields.keys()


class CostCalculator:
    """The cost of one operation of a validated document, with the request's variables."""

    def __init__(self, schema: GraphQLSchema, document: DocumentNode,
                 variables: Mapping[str, Any] | None, *, max_page_size: int) -> None:
        self.schema = schema
        self.variables = variables or {}
        self.max_page_size = max_page_size
        self.fragments = {d.name.value: d for d in document.definitions
                          if isinstance(d, FragmentDefinitionNode)}
        self._fragment_costs: dict[tuple[str, int | None], int] = {}
        self._costing: set[tuple[str, int | None]] = set()

    def operation_cost(self, operation: OperationDefinitionNode) -> int:
        root = {OperationType.QUERY: self.schema.query_type,
                OperationType.MUTATION: self.schema.mutation_type,
                OperationType.SUBSCRIPTION: self.schema.subscription_type}[operation.operation]
        if root is None:
            return 0
        return self._selection_cost(operation.selection_set, root, None)

    def _selection_cost(self, selection_set: SelectionSetNode, parent: GraphQLNamedType,
                        page: int | None) -> int:
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self._field_cost(selection, parent, page)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = self.schema.get_type(condition.name.value) if condition else parent
                total += self._selection_cost(selection.selection_set, target or parent, page)
            elif isinstance(selection, FragmentSpreadNode):
                total += self._fragment_cost(selection.name.value, parent, page)
        return total

    def _fragment_cost(self, name: str, parent: GraphQLNamedType, page: int | None) -> int:
        key = (name, page)
        if key in self._fragment_costs:
            return self._fragment_costs[key]
        fragment = self.fragments.get(name)
        if fragment is None or key in self._costing:  # validation refuses both; guard anyway
            return 0
        self._costing.add(key)
        target = self.schema.get_type(fragment.type_condition.name.value) or parent
        cost = self._selection_cost(fragment.selection_set, target, page)
        self._costing.discard(key)
        self._fragment_costs[key] = cost
        return cost

    def _field_cost(self, node: FieldNode, parent: GraphQLNamedType, page: int | None) -> int:
        definition = self._field_definition(parent, node.name.value)
        if definition is None or node.selection_set is None:
            return 1
        if node.name.value in ("__schema", "__type"):
            return 1 + self._flat_cost(node.selection_set)
        child_type = get_named_type(definition.type)
        items = 1
        if isinstance(get_nullable_type(definition.type), GraphQLList):
            items = page if page is not None and is_connection(parent) else self._items(node, definition)
        child_page = self._page_size(node, definition) if is_connection(child_type) else None
        return 1 + items * self._selection_cost(node.selection_set, child_type, child_page)

    def _flat_cost(self, selection_set: SelectionSetNode) -> int:
        """Fields selected, once each, fragments included (introspection's cost)."""
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += 1 + (self._flat_cost(selection.selection_set) if selection.selection_set else 0)
            elif isinstance(selection, InlineFragmentNode):
                total += self._flat_cost(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                key = (selection.name.value, -1)  # -1: the flat cost, never a page size
                fragment = self.fragments.get(selection.name.value)
                if key not in self._fragment_costs and fragment is not None and key not in self._costing:
                    self._costing.add(key)
                    self._fragment_costs[key] = self._flat_cost(fragment.selection_set)
                    self._costing.discard(key)
                total += self._fragment_costs.get(key, 0)
        return total

    def _field_definition(self, parent: GraphQLNamedType, name: str) -> GraphQLField | None:
        if name in _META_FIELDS:
            return _META_FIELDS[name]
        if isinstance(parent, (GraphQLObjectType, GraphQLInterfaceType)):
            return parent.fields.get(name)
        return None

    def _size(self, node: FieldNode, definition: GraphQLField) -> int | None:
        """The value of the field's first/last/count argument, from the document or its default."""
        given = {arg.name.value: arg.value for arg in node.arguments or ()}
        for name in SIZE_ARGUMENTS:
            if name not in definition.args:
                continue
            value: Any = None
            if name in given:
                node_value = given[name]
                if isinstance(node_value, IntValueNode):
                    value = int(node_value.value)
                elif isinstance(node_value, VariableNode):
                    value = self.variables.get(node_value.name.value)
            else:
                value = definition.args[name].default_value
            if isinstance(value, int) and not isinstance(value, bool):
                return max(0, min(value, self.max_page_size))
            if name in given:
                return self.max_page_size  # unknown at this point: count the cap
        return None

    def _items(self, node: FieldNode, definition: GraphQLField) -> int:
        size = self._size(node, definition)
        return UNSIZED_LIST_ITEMS if size is None else size

    def _page_size(self, node: FieldNode, definition: GraphQLField) -> int:
        size = self._size(node, definition)
        return min(DEFAULT_PAGE_SIZE, self.max_page_size) if size is None else size


def operation_cost(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode,
                   variables: Mapping[str, Any] | None, *, max_page_size: int) -> int:
    return CostCalculator(schema, document, variables, max_page_size=max_page_size).operation_cost(operation)
