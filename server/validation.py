"""Input checks shared by services: each returns field errors instead of raising one by one."""

from __future__ import annotations

import re
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from server.errors import FieldError, ValidationFailed
from tenants.i18n.messages import Message

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
NAME_MAX = 200
DESCRIPTION_MAX = 4000
# NUL (PostgreSQL text and JSONB refuse it) and UTF-16 surrogates (no UTF-8 encoding exists for
# one alone: asyncpg fails to send it, json.dumps(...).encode() raises).
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# Nesting of stored JSON (requestData): far below Python's recursion limit, far above any form.
JSON_DEPTH_MAX = 200


def text_problem(text: str) -> Message | None:
    """Why a string cannot be stored as text, or None."""
    found = UNSTORABLE.search(text)
    if found is None:
        return None
    if found.group() == "\x00":
        return Message("must not contain NUL characters")
    return Message("must not contain a lone surrogate (\\ud800-\\udfff): send valid Unicode text")


def json_problem(value: Any, *, max_depth: int = JSON_DEPTH_MAX) -> tuple[list[str], Message] | None:
    """The first (path, problem) that keeps a JSON value from being stored, or None.

    Walked without recursion, so a value nested thousands of levels deep is refused, not fatal.
    """
    stack: list[tuple[Any, list[str], int]] = [(value, [], 0)]
    while stack:
        item, path, depth = stack.pop()
        if isinstance(item, str):
            problem = text_problem(item)
            if problem is not None:
                return path, problem
        elif isinstance(item, dict | list):
            if depth >= max_depth:
                return path, Message("nested deeper than {limit} levels", limit=max_depth)
            pairs = item.items() if isinstance(item, dict) else enumerate(item)
            for key, child in pairs:
                if isinstance(key, str) and (problem := text_problem(key)) is not None:
                    return [*path, key.encode("unicode_escape").decode()], Message("key {problem}", problem=problem)
                stack.append((child, [*path, str(key)], depth + 1))
    return None


class Checks:
    """Collects field errors; `done()` raises them all at once so the caller fixes everything."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def add(self, field: str, message: str) -> None:
        self.errors.append(FieldError(field, message))

    def text(self, field: str, value: str | None, *, max_len: int, required: bool = True) -> None:
        if value is None:
            if required:
                self.add(field, Message("required"))
            return
        if required and not value.strip():
            self.add(field, Message("must not be empty"))
        elif len(value) > max_len:
            self.add(field, Message("at most {limit} characters (got {size})", limit=max_len, size=len(value)))
        elif (problem := text_problem(value)) is not None:
            # Say so here rather than fail at the INSERT (or in the driver).
            self.add(field, problem)

    def slug(self, field: str, value: str | None) -> None:
        if value is None or not SLUG.match(value):
            self.add(field, Message("lowercase letters, digits and dashes, starting with a letter or digit"))

    def json_schema(self, field: str, value: Any) -> None:
        if not isinstance(value, dict):
            self.add(field, Message("must be a JSON Schema object"))
            return
        try:
            Draft202012Validator.check_schema(value)
        except SchemaError as exc:
            where = "/".join(str(p) for p in exc.absolute_path)
            if where:
                self.add(field, Message("not a valid JSON Schema at {where}: {problem}", where=where,
                                        problem=exc.message))
            else:
                self.add(field, Message("not a valid JSON Schema: {problem}", problem=exc.message))

    def done(self) -> None:
        if self.errors:
            raise ValidationFailed(self.errors)
