"""YAML read into a tree that remembers the line of every value.

PyYAML's composed nodes know where they start; the data `yaml.safe_load` builds does not. We compose
the node tree with a SafeLoader subclass and build our own small tree from it, so that every issue can
name the line of the offending value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

MAP_TAG = "tag:yaml.org,2002:map"
SEQ_TAG = "tag:yaml.org,2002:seq"
TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"


@dataclass(frozen=True, slots=True, eq=False)
class LocatedScalar:
    """A string, number, boolean or null, and the line it was written on."""

    value: Any
    line: int


@dataclass(frozen=True, slots=True, eq=False)
class LocatedList:
    """A YAML sequence; `line` is its key's line when it is the value of a key."""

    items: tuple[Located, ...]
    line: int


@dataclass(frozen=True, slots=True, eq=False)
class LocatedEntry:
    """One key of a mapping; `inherited` marks keys brought in by a `<<` merge."""

    key: Any
    key_line: int
    value: Located
    inherited: bool


@dataclass(frozen=True, slots=True, eq=False)
class LocatedMap:
    """A YAML mapping; `line` is its key's line when it is the value of a key."""

    entries: tuple[LocatedEntry, ...]
    line: int

    def by_key(self) -> dict[Any, LocatedEntry]:
        """Entries by key; later ones win, so own keys override merged ones as YAML requires."""
        return {entry.key: entry for entry in self.entries}

    def repeated(self) -> list[LocatedEntry]:
        """Own keys written twice: YAML would silently keep the last, hiding a mistake."""
        seen: set[Any] = set()
        repeated = []
        for entry in self.entries:
            if entry.inherited:
                continue
            if entry.key in seen:
                repeated.append(entry)
            seen.add(entry.key)
        return repeated


Located = LocatedScalar | LocatedList | LocatedMap


class ComplexKey:
    """Stands for a mapping key that is itself a list or mapping: never a valid field name."""

    def __repr__(self) -> str:
        return "<complex key>"


class LineLoader(yaml.SafeLoader):
    """A SafeLoader that builds a `Located` tree instead of plain data."""

    # Dates stay strings: a federation file is configuration, and request forms must be JSON data.
    yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != TIMESTAMP_TAG]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        # Aliases reuse one node; building each node once keeps "billion laughs" documents cheap.
        self._built: dict[int, Located] = {}
        self._building: set[int] = set()

    def located_document(self) -> Located | None:
        """Compose the single document and build its located tree; None for an empty document."""
        node = self.get_single_node()
        return None if node is None else self.locate(node, None)

    def locate(self, node: Node, key_line: int | None) -> Located:
        """Build the located value of `node`; collections under a key take the key's line."""
        if id(node) in self._built:
            return self._built[id(node)]
        if id(node) in self._building:
            raise ConstructorError(None, None, "recursive aliases are not supported", node.start_mark)
        self._building.add(id(node))
        located = self._locate_new(node, key_line)
        self._building.discard(id(node))
        self._built[id(node)] = located
        return located

    def _locate_new(self, node: Node, key_line: int | None) -> Located:
        """Build a node not seen before."""
        line = node.start_mark.line + 1
        if isinstance(node, ScalarNode):
            return LocatedScalar(self.construct_object(node, deep=True), line)
        if node.tag not in (MAP_TAG, SEQ_TAG):
            raise ConstructorError(None, None, f"unsupported tag {node.tag!r}", node.start_mark)
        line = key_line if key_line is not None else line
        if isinstance(node, SequenceNode):
            return LocatedList(tuple(self.locate(item, None) for item in node.value), line)
        assert isinstance(node, MappingNode)
        return LocatedMap(self._entries(node), line)

    def _entries(self, node: MappingNode) -> tuple[LocatedEntry, ...]:
        """The mapping's entries after resolving `<<` merge keys, which come first."""
        own = sum(1 for key, _ in node.value if key.tag != "tag:yaml.org,2002:merge")
        self.flatten_mapping(node)
        inherited = len(node.value) - own
        entries = []
        for index, (key_node, value_node) in enumerate(node.value):
            key_line = key_node.start_mark.line + 1
            key: Any = (
                self.construct_object(key_node, deep=True)
                if isinstance(key_node, ScalarNode)
                else ComplexKey()
            )
            entries.append(
                LocatedEntry(key, key_line, self.locate(value_node, key_line), index < inherited)
            )
        return tuple(entries)


def line_of_error(error: yaml.YAMLError, text: str) -> int | None:
    """The 1-based line a YAML error points at, if it says."""
    if isinstance(error, yaml.MarkedYAMLError):
        mark = error.problem_mark or error.context_mark
        return None if mark is None else mark.line + 1
    if isinstance(error, yaml.reader.ReaderError):
        return text.count("\n", 0, error.position) + 1
    return None


def describe_error(error: yaml.YAMLError) -> str:
    """A one-line description of a YAML error, without PyYAML's multi-line excerpt."""
    if isinstance(error, yaml.MarkedYAMLError):
        parts = [part for part in (error.context, error.problem) if part]
        return "; ".join(parts) or "invalid YAML"
    if isinstance(error, yaml.reader.ReaderError):
        code = error.character if isinstance(error.character, int) else ord(error.character)
        return f"unacceptable character #x{code:04x}"
    return str(error).splitlines()[0] if str(error) else "invalid YAML"
