"""Strawberry's depth and alias limiters, made safe for documents with broken fragments.

Both walk fragment spreads while graphql-core's validation runs, before its own rules have
reported anything: an unknown fragment (`{ ...Missing }`) raised a KeyError, answered as
"'Missing'" (or masked as an unexpected error), and a fragment that spreads itself recursed until
Python gave up. On such a document they stand aside and graphql-core's KnownFragmentNamesRule and
NoFragmentCyclesRule name the problem.
"""

from __future__ import annotations

from typing import Any

from graphql import FragmentDefinitionNode, FragmentSpreadNode, ValidationContext, ValidationRule
from strawberry.extensions import MaxAliasesLimiter, QueryDepthLimiter


def fragments_sound(document: Any) -> bool:
    """Every spread names a defined fragment and no fragment reaches itself."""
    defined = {d.name.value for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    found: dict[str, set[str]] = {name: set() for name in defined}
    for definition in document.definitions:
        owner = definition.name.value if isinstance(definition, FragmentDefinitionNode) else None
        for node in _spreads(definition):
            if node not in defined:
                return False
            if owner is not None:
                found[owner].add(node)
    # A cycle: some fragment reaches itself through its spreads.
    for start in found:
        seen: set[str] = set()
        todo = list(found[start])
        while todo:
            name = todo.pop()
            if name == start:
                return False
            if name not in seen:
                seen.add(name)
                todo.extend(found[name])
    return True


def _spreads(node: Any) -> list[str]:
    names: list[str] = []
    todo = [node]
    while todo:
        current = todo.pop()
        if isinstance(current, FragmentSpreadNode):
            names.append(current.name.value)
        selection_set = getattr(current, "selection_set", None)
        if selection_set is not None:
            todo.extend(selection_set.selections)
    return names


def _only_when_sound(rule: type[ValidationRule]) -> type[ValidationRule]:
    class WhenFragmentsSound(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            if fragments_sound(context.document):
                rule(context)  # the limiters report from their constructor

    return WhenFragmentsSound


class SafeQueryDepthLimiter(QueryDepthLimiter):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.validation_rules = [_only_when_sound(r) for r in self.validation_rules]


class SafeMaxAliasesLimiter(MaxAliasesLimiter):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.validation_rules = [_only_when_sound(r) for r in self.validation_rules]
