"""Execution plans: a validated query's fields, collected once, each with its reader and its type.

graphql-core collects an operation's fields (aliases merged, fragments named and inline applied
by type condition, `@include`/`@skip` evaluated) again for every object of every response. The
planner asks graphql-core's own collector once per document and per value of the variables its
directives read, and keeps the result: a tree of `Selection`s whose every field has a reader
(schema.compiled.fields). A field without one, or anything else the planner does not know, makes
the document a `NotCompiled` with the reason, and graphql-core runs it.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

from graphql import (
    DirectiveNode,
    DocumentNode,
    FieldNode,
    GraphQLEnumType,
    GraphQLError,
    GraphQLField,
    GraphQLID,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    GraphQLString,
    OperationDefinitionNode,
    OperationType,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_leaf_type,
    is_non_null_type,
    is_object_type,
    visit,
)
from graphql.execution import Executor
from graphql.execution.collect_fields import FieldDetailsList, collect_fields
from graphql.language import Visitor

from schema.compiled.fallback import NotCompiled
from schema.compiled.fields import (
    COLUMNS,
    MANY,
    READERS,
    RELATIONS,
    ROWS_OF,
    TYPE_OF_KIND,
    Reader,
    Relation,
)
from schema.compiled.fields import many as many_reader
from server.tickets.relatives import JoinedPage, Kind, joined_page

TYPENAME = "__typename"
# Root fields the planner runs, and the object type a `node(id)` is compiled for.
ROOTS = frozenset({"tickets", "myQueue", "ticket", "ticketByRef", "node"})
NODE_TYPE = "Ticket"
# Shapes kept per document: one per combination of the values its directives read.
SHAPES_PER_DOCUMENT = 16


@dataclass(frozen=True, slots=True)
class Selection:
    """One response key of an object: its field, its type, how to read it, what it selects."""

    key: str
    name: str
    parent: str
    type: GraphQLOutputType | None  # None for __typename
    nodes: tuple[FieldNode, ...]
    read: Reader | None = None
    children: tuple[Selection, ...] = ()
    # The object type the children were collected for (a node's runtime type).
    object_type: str = ""
    # Root and to-many fields: the field's definition, for its arguments (the first node's).
    definition: GraphQLField | None = None
    # To-many fields: the selection's number in its shape (schema.compiled.fields.many).
    number: int = -1
    # A single scalar or enum (not a list): its serializer, so objects write it without detours.
    coerce: Callable[[Any], Any] | None = None
    non_null: bool = False
    # A plain attribute's getter (the reader without its call), and whether the field is a
    # String, whose serializer leaves a str as it is.
    get: Callable[[Any], Any] | None = None
    text: bool = False


@dataclass(frozen=True, slots=True)
class Shape:
    """An operation's root selections for one set of directive values, and what they fetch."""

    roots: tuple[Selection, ...]
    # Relations read under each object type, so each kind is fetched once per level.
    relations: dict[str, tuple[Relation, ...]]
    # To-many selections, by their number: each read for all the run's tickets at once.
    many: tuple[Selection, ...]
    # The columns read of each kind's rows, and a list's page statement: the tickets (the columns
    # read of them) and their selected to-one relations, joined.
    columns: dict[Kind, frozenset[str]]
    page: JoinedPage
    # The shape's writer once built (schema.compiled.serializer): filled on first use.
    writer: list[Any] = field(default_factory=list, compare=False, repr=False)


class _DirectiveVariables(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def enter_directive(self, node: DirectiveNode, *_: Any) -> None:
        for argument in node.arguments or ():
            if isinstance(argument.value, VariableNode):
                self.names.add(argument.value.name.value)


@dataclass
class DocumentPlan:
    """A document's operation as the planner sees it, and its shapes by directive values."""

    document: DocumentNode
    operation: OperationDefinitionNode
    directive_variables: tuple[str, ...]
    shapes: OrderedDict[tuple[Any, ...], Shape | NotCompiled] = field(default_factory=OrderedDict)

    @classmethod
    def of(cls, document: DocumentNode, operation: OperationDefinitionNode) -> DocumentPlan:
        if operation.operation is not OperationType.QUERY:
            raise NotCompiled(operation.operation.value)
        found = _DirectiveVariables()
        visit(document, found)
        return cls(document, operation, tuple(sorted(found.names)))

    def shape(self, executor: Executor) -> Shape:
        """The shape for the run's variables (built on first use); NotCompiled when unsupported."""
        coerced = executor.variable_values.coerced
        key = tuple(_hashable(coerced.get(name)) for name in self.directive_variables)
        found = self.shapes.get(key)
        if found is None:
            try:
                found = _build(executor)
            except NotCompiled as refused:
                found = refused
            except GraphQLError:  # a directive's value graphql-core refuses: its error, not ours
                found = NotCompiled("directive arguments refused")
            self.shapes[key] = found
            if len(self.shapes) > SHAPES_PER_DOCUMENT:
                self.shapes.popitem(last=False)
        if isinstance(found, NotCompiled):
            raise found
        return found


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _build(executor: Executor) -> Shape:
    schema = executor.schema
    root = schema.query_type
    assert root is not None
    collected = collect_fields(schema, executor.fragments, executor.variable_values, root,
                               executor.operation)
    relations: dict[str, dict[str, Relation]] = {}
    columns: dict[str, set[str]] = {}
    many: list[Selection] = []
    roots = []
    for key, details in collected.grouped_field_set.items():
        name = details[0].node.name.value
        if name != TYPENAME and name not in ROOTS:
            raise NotCompiled(f"Query.{name}")
        roots.append(_select(executor, root, key, details, relations, columns, many,
                             is_root=True))
    on_tickets = relations.get("Ticket", {}).values()
    wanted = {kind: frozenset(columns.get(type_name, ())) for kind, type_name in TYPE_OF_KIND.items()}
    return Shape(roots=tuple(roots),
                 relations={t: tuple(r.values()) for t, r in relations.items()},
                 many=tuple(many), columns=wanted,
                 page=joined_page(columns.get("Ticket", ()), [(r.kind, r.column) for r in on_tickets],
                                  wanted))


def _select(executor: Executor, parent: GraphQLObjectType, key: str, details: FieldDetailsList,
            relations: dict[str, dict[str, Relation]], columns: dict[str, set[str]],
            many: list[Selection], *, is_root: bool = False) -> Selection:
    if any(d.defer_usage is not None or d.fragment_variable_values is not None for d in details):
        raise NotCompiled("@defer or fragment variables")
    nodes = tuple(d.node for d in details)
    name = nodes[0].name.value
    if name == TYPENAME:
        return Selection(key=key, name=name, parent=parent.name, type=None, nodes=nodes)
    definition = parent.fields[name]
    read = None
    number = -1
    if not is_root and name in MANY.get(parent.name, ()):
        number = len(many)
        many.append(None)  # type: ignore[arg-type]  # its place, filled below
        read = many_reader(number)
    elif not is_root:
        read = READERS.get(parent.name, {}).get(name)
        if read is None or any(n.arguments for n in nodes):
            raise NotCompiled(f"{parent.name}.{name}")
        if (relation := RELATIONS.get(parent.name, {}).get(name)) is not None:
            relations.setdefault(parent.name, {})[name] = relation
        if parent.name in ROWS_OF:
            columns.setdefault(ROWS_OF[parent.name], set()).update(COLUMNS[parent.name][name])
    named: GraphQLNamedType = get_named_type(definition.type)
    if is_leaf_type(named):
        single = get_nullable_type(definition.type) is named
        attribute = getattr(read, "attribute", None)
        return Selection(key=key, name=name, parent=parent.name, type=definition.type,
                         nodes=nodes, read=read, definition=definition if is_root else None,
                         coerce=_serializer(named) if single else None,
                         non_null=is_non_null_type(definition.type),
                         get=attrgetter(attribute) if attribute else None,
                         # String's and ID's serializers leave a str as it is.
                         text=named is GraphQLString or named is GraphQLID)
    # An object, or the Node interface of `node(id)`, compiled for tickets only.
    runtime = named if is_object_type(named) else _node_type(executor.schema, named)
    assert isinstance(runtime, GraphQLObjectType)
    sub = executor.collect_subfields(runtime, details)
    children = tuple(_select(executor, runtime, k, d, relations, columns, many)
                     for k, d in sub.grouped_field_set.items())
    found = Selection(key=key, name=name, parent=parent.name, type=definition.type, nodes=nodes,
                      read=read, children=children, object_type=runtime.name,
                      definition=definition if is_root or number >= 0 else None, number=number)
    if number >= 0:
        many[number] = found
    return found


def _serializer(named: GraphQLNamedType) -> Callable[[Any], Any]:
    """The leaf type's own serializer; for an enum, its names by member looked up at once (what
    strawberry's serializer finds by scanning the values)."""
    coerce: Callable[[Any], Any] = named.coerce_output_value  # type: ignore[attr-defined]
    members = getattr(named, "wrapped_cls", None)
    if not isinstance(named, GraphQLEnumType) or members is None:
        return coerce
    names = {member: coerce(member) for member in members}
    serialize = lambda value: names[value] if value in names else coerce(value)  # noqa: E731
    serialize.names = names  # type: ignore[attr-defined]  # the writer looks them up itself
    return serialize


def _node_type(schema: GraphQLSchema, abstract: GraphQLNamedType) -> GraphQLNamedType:
    ticket = schema.get_type(NODE_TYPE)
    if abstract.name != "Node" or ticket is None:
        raise NotCompiled(f"abstract type {abstract.name}")
    return ticket


class PlanCache:
    """Plans by document text and operation name, bounded like the parse cache (schema.limits)."""

    def __init__(self, maxsize: int = 512) -> None:
        self.maxsize = maxsize
        self._plans: OrderedDict[tuple[str, str | None], DocumentPlan | NotCompiled] = OrderedDict()

    def get(self, query: str, operation_name: str | None, document: DocumentNode,
            operation: OperationDefinitionNode) -> DocumentPlan:
        key = (query, operation_name)
        found = self._plans.get(key)
        # The same text parses to the same nodes: a plan outlives the parse cache's entry.
        if found is None:
            try:
                found = DocumentPlan.of(document, operation)
            except NotCompiled as refused:
                found = refused
            self._plans[key] = found
            if len(self._plans) > self.maxsize:
                self._plans.popitem(last=False)
        else:
            self._plans.move_to_end(key)
        if isinstance(found, NotCompiled):
            raise found
        return found
