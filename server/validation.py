"""Input checks shared by services: each returns field errors instead of raising one by one."""

from __future__ import annotations

import re
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from server.errors import FieldError, ValidationFailed

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
NAME_MAX = 200
DESCRIPTION_MAX = 4000


class Checks:
    """Collects field errors; `done()` raises them all at once so the caller fixes everything."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def add(self, field: str, message: str) -> None:
        self.errors.append(FieldError(field, message))

    def text(self, field: str, value: str | None, *, max_len: int, required: bool = True) -> None:
        if value is None:
            if required:
                self.add(field, "required")
            return
        if required and not value.strip():
            self.add(field, "must not be empty")
        elif len(value) > max_len:
            self.add(field, f"at most {max_len} characters (got {len(value)})")
        elif "\x00" in value:
            # PostgreSQL refuses NUL in text: say so here rather than fail at the INSERT.
            self.add(field, "must not contain NUL characters")

    def slug(self, field: str, value: str | None) -> None:
        if value is None or not SLUG.match(value):
            self.add(field, "lowercase letters, digits and dashes, starting with a letter or digit")

    def json_schema(self, field: str, value: Any) -> None:
        if not isinstance(value, dict):
            self.add(field, "must be a JSON Schema object")
            return
        try:
            Draft202012Validator.check_schema(value)
        except SchemaError as exc:
            where = "/".join(str(p) for p in exc.absolute_path)
            self.add(field, f"not a valid JSON Schema{' at ' + where if where else ''}: {exc.message}")

    def done(self) -> None:
        if self.errors:
            raise ValidationFailed(self.errors)
