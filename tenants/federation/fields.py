"""Reading fields out of located YAML mappings, recording an issue for every problem found.

Readers never stop at the first problem: each bad field becomes an issue, and the caller asks `ok`
before building a spec. Failed required texts read as "" so callers can keep checking references.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Sequence
from typing import Any

from tenants.federation.located import Located, LocatedList, LocatedMap, LocatedScalar
from tenants.federation.specs import FederationIssue

NAME_MAX = 200
DESCRIPTION_MAX = 4000
SLUG_MAX = 63  # a DNS label: slugs and codes end up in URLs and host names
SLUG = re.compile(r"[a-z0-9][a-z0-9-]*")
SLUG_HINT = "must be lowercase letters, digits and '-', starting with a letter or digit"
_PLAIN_KEY = re.compile(r"[A-Za-z0-9_$-]+")


class IssueLog:
    """The issues found so far in one file."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.issues: list[FederationIssue] = []

    def add(self, line: int | None, field: str, message: str) -> None:
        """Record one issue."""
        self.issues.append(FederationIssue(self.filename, line, field, message))

    def sorted(self) -> list[FederationIssue]:
        """Issues in file order, so a reader can walk down the file fixing them."""
        return sorted(self.issues, key=lambda issue: issue.line or 0)


def join_path(base: str, key: Any) -> str:
    """Extend a field path: `bricks[0]` + `name` -> `bricks[0].name`."""
    if isinstance(key, int) and not isinstance(key, bool):
        return f"{base}[{key}]"
    text = str(key)
    step = text if _PLAIN_KEY.fullmatch(text) else json.dumps(text)
    return f"{base}.{step}" if base else step


def kind_of(node: Located) -> str:
    """How a value reads in a message: 'a list', 'a mapping', 'the number 3'..."""
    if isinstance(node, LocatedList):
        return "a list"
    if isinstance(node, LocatedMap):
        return "a mapping"
    value = node.value
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    return f"the text {value!r}" if isinstance(value, str) else type(value).__name__


class Record:
    """Typed access to the fields of one mapping, validating as it reads."""

    def __init__(self, log: IssueLog, node: LocatedMap, path: str, known: Sequence[str]) -> None:
        self.log = log
        self.node = node
        self.path = path
        self.ok = True
        self._entries = node.by_key()
        self._check_keys(known)

    @classmethod
    def open(
        cls, log: IssueLog, node: Located, path: str, known: Sequence[str]
    ) -> Record | None:
        """A record over `node`, or None (with an issue) when it is not a mapping."""
        if not isinstance(node, LocatedMap):
            expected = ", ".join(known)
            log.add(node.line, path, f"must be a mapping with {expected}; got {kind_of(node)}")
            return None
        return cls(log, node, path, known)

    def _check_keys(self, known: Sequence[str]) -> None:
        """Report misspelt and repeated keys: YAML would silently ignore or overwrite them."""
        for entry in self.node.entries:
            if not isinstance(entry.key, str):
                self.report(entry.key_line, join_path(self.path, str(entry.key)),
                            f"field names must be strings; got {entry.key!r} (quote it)")
            elif entry.key not in known:
                close = difflib.get_close_matches(entry.key, known, n=1, cutoff=0.7)
                hint = f"did you mean {close[0]!r}?" if close else f"expected {', '.join(known)}"
                self.report(entry.key_line, join_path(self.path, entry.key),
                            f"unknown field {entry.key!r} ({hint})")
        for entry in self.node.repeated():
            self.report(entry.key_line, join_path(self.path, str(entry.key)),
                        "appears twice in this mapping")

    def report(self, line: int | None, field: str, message: str) -> None:
        """Record an issue that makes this record unusable."""
        self.ok = False
        self.log.add(line, field, message)

    def problem(self, key: str, message: str) -> None:
        """Record an issue about one field, at its value's line (the record's line if missing)."""
        self.report(self.line_of(key), self.path_of(key), message)

    def path_of(self, key: str) -> str:
        """The field path of one of this record's fields."""
        return join_path(self.path, key)

    def line_of(self, key: str) -> int:
        """The line of a field's value, or of the record itself when the field is missing."""
        entry = self._entries.get(key)
        return self.node.line if entry is None else entry.value.line

    def value(self, key: str) -> Located | None:
        """The field's located value; None when absent or written empty (`key:` or `key: null`)."""
        entry = self._entries.get(key)
        if entry is None or (isinstance(entry.value, LocatedScalar) and entry.value.value is None):
            return None
        return entry.value

    def required(self, key: str) -> Located | None:
        """The field's value, or None with a 'required' issue."""
        node = self.value(key)
        if node is None:
            self.problem(key, "required")
        return node

    def text(
        self, key: str, *, limit: int = NAME_MAX, pattern: re.Pattern[str] | None = None,
        hint: str = "",
    ) -> str:
        """A required string; "" when missing or not a string, the string itself otherwise."""
        node = self.required(key)
        return "" if node is None else self._check_text(key, node, limit, pattern, hint) or ""

    def optional_text(
        self, key: str, *, limit: int = NAME_MAX, pattern: re.Pattern[str] | None = None,
        hint: str = "",
    ) -> str | None:
        """An optional string; None when absent, empty-written or invalid."""
        node = self.value(key)
        return None if node is None else self._check_text(key, node, limit, pattern, hint)

    def _check_text(
        self, key: str, node: Located, limit: int, pattern: re.Pattern[str] | None, hint: str
    ) -> str | None:
        """Type, emptiness, length and format of a string; returns it unless it is no string."""
        if not isinstance(node, LocatedScalar) or not isinstance(node.value, str):
            self.problem(key, f"must be a string; got {kind_of(node)}")
            return None
        text: str = node.value
        if not text.strip():
            self.problem(key, "must not be empty")
        elif len(text) > limit:
            self.problem(key, f"must be at most {limit} characters (has {len(text)})")
        elif pattern is not None and not pattern.fullmatch(text):
            self.problem(key, hint or f"must match {pattern.pattern}")
        return text

    def flag(self, key: str, default: bool) -> bool:
        """An optional boolean."""
        node = self.value(key)
        if node is None:
            return default
        if isinstance(node, LocatedScalar) and isinstance(node.value, bool):
            return node.value
        self.problem(key, f"must be true or false; got {kind_of(node)}")
        return default

    def choice(self, key: str, options: Sequence[str], default: str | None = None) -> str | None:
        """One of `options`; required when there is no default."""
        node = self.value(key) if default is not None else self.required(key)
        if node is None:
            return default
        if isinstance(node, LocatedScalar) and node.value in options:
            return str(node.value)
        self.problem(key, f"must be one of {', '.join(options)}")
        return None

    def items(self, key: str, *, required: bool = True) -> list[tuple[Located, str]]:
        """The items of a list field with their paths; [] when missing (an issue if required)."""
        node = self.required(key) if required else self.value(key)
        if node is None:
            return []
        if not isinstance(node, LocatedList):
            self.problem(key, f"must be a list; got {kind_of(node)}")
            return []
        return [(item, join_path(self.path_of(key), index)) for index, item in enumerate(node.items)]


def plain_data(log: IssueLog, node: Located, path: str) -> tuple[Any, bool]:
    """JSON-compatible data from a located value, and whether it was clean; issues are logged.

    Within one call, a value written once and aliased several times becomes one shared object.
    """
    before = len(log.issues)
    data = _plain(log, node, path, {})
    return data, len(log.issues) == before


def _plain(log: IssueLog, node: Located, path: str, done: dict[int, Any]) -> Any:
    """Convert one value; shared (aliased) values are converted once."""
    if id(node) in done:
        return done[id(node)]
    if isinstance(node, LocatedScalar):
        if node.value is not None and not isinstance(node.value, (str, int, float, bool)):
            log.add(node.line, path, f"must be plain JSON data; got {type(node.value).__name__}")
        result: Any = node.value
    elif isinstance(node, LocatedList):
        result = [_plain(log, item, join_path(path, i), done) for i, item in enumerate(node.items)]
    else:
        for entry in node.repeated():
            log.add(entry.key_line, join_path(path, str(entry.key)),
                    "appears twice in this mapping")
        result = {}
        for key, entry in node.by_key().items():
            if not isinstance(key, str):
                log.add(entry.key_line, join_path(path, str(key)),
                        f"keys must be strings; got {key!r} (quote it)")
            result[str(key)] = _plain(log, entry.value, join_path(path, str(key)), done)
    done[id(node)] = result
    return result


class UniqueNames:
    """Names declared so far in one scope, compared case-insensitively, with where they were."""

    def __init__(self, what: str) -> None:
        self.what = what
        self._first: dict[str, tuple[str, int]] = {}

    def claim(self, record: Record, key: str, name: str) -> bool:
        """Declare `name` (read from `record[key]`); a repeat is an issue and returns False."""
        if not name:
            return False
        folded = name.casefold()
        if folded in self._first:
            first_line = self._first[folded][1]
            record.problem(key,
                           f"duplicate {self.what} {name!r} (already declared at line {first_line})")
            return False
        self._first[folded] = (name, record.line_of(key))
        return True

    def find(self, name: str) -> str | None:
        """The declared spelling of `name`, or None if it was never declared."""
        found = self._first.get(name.casefold())
        return None if found is None else found[0]
