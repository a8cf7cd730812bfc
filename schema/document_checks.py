"""Figures of a parsed GraphQL document, in one pass: operations, aliases, depth, directives per field.

Each definition (operation or fragment) is walked once, without following its fragment spreads;
a fragment's expanded figures are then computed once, in dependency order, and reused wherever it
is spread. Checking a document is therefore linear in its size, even when fragments spread each
other many times over (a chain where each fragment spreads the next twice is exponential to expand,
which is what made walking every spread a denial of service).

Depth ignores introspection fields (`__schema`, `__type`: answered from memory, and GraphiQL's own
introspection query nests deeper than any application query).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import (
    DocumentNode,
    ExecutableDefinitionNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)
from tenants.i18n.messages import Message

# Fragments spreading fragments, however few fields they hold: validation and execution recurse
# through them, so the chain is bounded well below Python's recursion limit.
MAX_FRAGMENT_NESTING = 50


class DocumentRefused(Exception):
    """A document over one of the limits; `code` is the error code a client sees."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class DocumentLimits:
    max_operations: int
    max_aliases: int
    max_depth: int
    max_directives_per_field: int


@dataclass
class _Local:
    """One definition's own figures, its fragment spreads not followed."""

    depth: int = 0
    aliases: int = 0
    # Per spread fragment: how many times it is spread, and the deepest depth it is spread at
    # (None when only inside introspection fields, whose depth does not count).
    spreads: dict[str, int] = field(default_factory=dict)
    spread_depths: dict[str, int | None] = field(default_factory=dict)


@dataclass(frozen=True)
class _Expanded:
    aliases: int
    depth: int
    # The longest chain of fragments spreading each other below this definition.
    nesting: int


@dataclass(frozen=True)
class DocumentFigures:
    operations: int
    # Per operation (by name, "" for an anonymous one): aliases and depth once fragments are expanded.
    aliases: dict[str, int]
    depths: dict[str, int]
    # How many fragment definitions were walked: once each, whatever the number of spreads.
    fragment_visits: int


def _walk(definition: ExecutableDefinitionNode, limits: DocumentLimits) -> _Local:
    local = _Local()
    _check_directives(definition, limits, what=_describe(definition))
    # An explicit stack: nesting is bounded by the token limit, not by Python's recursion limit.
    stack: list[tuple[SelectionSetNode, int, bool]] = [(definition.selection_set, 0, False)]
    while stack:
        selection_set, depth, introspection = stack.pop()
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                _check_directives(selection, limits, what=Message("field {name}", name=repr(selection.name.value)))
                if selection.alias is not None:
                    local.aliases += 1
                if selection.selection_set is not None:
                    inside = introspection or selection.name.value.startswith("__")
                    nested = depth if inside else depth + 1
                    local.depth = max(local.depth, nested)
                    stack.append((selection.selection_set, nested, inside))
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                _check_directives(selection, limits, what=Message("spread of fragment {name}", name=repr(name)))
                local.spreads[name] = local.spreads.get(name, 0) + 1
                at = None if introspection else depth
                known = local.spread_depths.get(name)
                local.spread_depths[name] = at if known is None else max(known, at or 0)
            elif isinstance(selection, InlineFragmentNode):
                _check_directives(selection, limits, what=Message("inline fragment"))
                stack.append((selection.selection_set, depth, introspection))
    return local


def _describe(definition: ExecutableDefinitionNode) -> str:
    if isinstance(definition, FragmentDefinitionNode):
        return Message("fragment {name}", name=repr(definition.name.value))
    name = definition.name.value if definition.name else "(anonymous)"
    return Message("operation {name}", name=repr(name))


def _check_directives(node: object, limits: DocumentLimits, *, what: str) -> None:
    count = len(getattr(node, "directives", None) or ())
    if count > limits.max_directives_per_field:
        raise DocumentRefused(Message("{what} has {count} directives; at most {limit} are allowed", what=what,
                                      count=count, limit=limits.max_directives_per_field),
                              code="TOO_MANY_DIRECTIVES")


def _fragment_order(locals_: dict[str, _Local]) -> list[str]:
    """Fragments so that each comes after those it spreads (iterative DFS; a cycle is refused)."""
    order: list[str] = []
    state: dict[str, int] = {}  # 1: being visited, 2: done
    for root in locals_:
        if state.get(root) == 2:
            continue
        stack: list[tuple[str, list[str]]] = [(root, list(locals_[root].spreads))]
        state[root] = 1
        while stack:
            name, pending = stack[-1]
            if not pending:
                stack.pop()
                state[name] = 2
                order.append(name)
                continue
            child = pending.pop()
            if child not in locals_ or state.get(child) == 2:
                continue  # an unknown fragment is reported by validation
            if state.get(child) == 1:
                raise DocumentRefused(Message("fragment {name} spreads itself", name=repr(child)),
                                      code="FRAGMENT_CYCLE")
            state[child] = 1
            stack.append((child, list(locals_[child].spreads)))
    return order


def _expand(local: _Local, fragments: dict[str, _Expanded]) -> _Expanded:
    """A definition's figures from its own and its fragments' expanded ones."""
    aliases, depth, nesting = local.aliases, local.depth, 0
    for name, times in local.spreads.items():
        if name not in fragments:
            continue
        fragment = fragments[name]
        aliases += times * fragment.aliases
        nesting = max(nesting, fragment.nesting + 1)
        at = local.spread_depths[name]
        if at is not None:
            depth = max(depth, at + fragment.depth)
    if nesting > MAX_FRAGMENT_NESTING:
        raise DocumentRefused(Message("fragments are spread {nesting} levels deep inside each other; at "
                                      "most {limit} are allowed", nesting=nesting, limit=MAX_FRAGMENT_NESTING),
                              code="QUERY_TOO_DEEP")
    return _Expanded(aliases, depth, nesting)


def measure(document: DocumentNode, limits: DocumentLimits) -> DocumentFigures:
    """The document's figures; DocumentRefused at the first limit crossed."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) > limits.max_operations:
        raise DocumentRefused(Message("the document holds {count} operations; at most {limit} are allowed",
                                      count=len(operations), limit=limits.max_operations),
                              code="TOO_MANY_OPERATIONS")
    fragment_locals: dict[str, _Local] = {}
    for definition in document.definitions:
        if isinstance(definition, FragmentDefinitionNode):
            # A duplicate name is reported by validation; walking it once is enough here.
            fragment_locals.setdefault(definition.name.value, _walk(definition, limits))
    expanded: dict[str, _Expanded] = {}
    for name in _fragment_order(fragment_locals):
        expanded[name] = _expand(fragment_locals[name], expanded)
    aliases: dict[str, int] = {}
    depths: dict[str, int] = {}
    for operation in operations:
        name = operation.name.value if operation.name else ""
        figures = _expand(_walk(operation, limits), expanded)
        aliases[name], depths[name] = figures.aliases, figures.depth
        if aliases[name] > limits.max_aliases:
            raise DocumentRefused(Message("operation {name} uses {count} aliases (fragments expanded); at most "
                                          "{limit} are allowed", name=repr(name or "(anonymous)"),
                                          count=aliases[name], limit=limits.max_aliases),
                                  code="TOO_MANY_ALIASES")
        if depths[name] > limits.max_depth:
            raise DocumentRefused(Message("operation {name} is {depth} levels deep; at most {limit} are allowed",
                                          name=repr(name or "(anonymous)"), depth=depths[name],
                                          limit=limits.max_depth),
                                  code="QUERY_TOO_DEEP")
    return DocumentFigures(operations=len(operations), aliases=aliases, depths=depths,
                           fragment_visits=len(fragment_locals))
