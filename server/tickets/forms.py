"""Checking a ticket's request data against its sub-service's form (a JSON Schema)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any, cast
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError

from server.errors import FieldError
from server.validation import json_problem
from server.tickets.form_messages import plain
from tenants.i18n.messages import Message

FIELD = "requestData"
# A form is a few fields; anything bigger is a mistake or an abuse.
MAX_BYTES = 64 * 1024

# jsonschema checks "date-time" and "uri" only with optional packages: check them with the stdlib.
FORMATS = FormatChecker()


@FORMATS.checks("date-time", raises=ValueError)
def _date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    # RFC 3339 wants an offset; fromisoformat alone would accept a naive time.
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).tzinfo is not None


@FORMATS.checks("uri")
def _uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return bool(parts.scheme) and parts.scheme.isascii() and " " not in value


def _path(*parts: object) -> str:
    return ".".join([FIELD, *(str(p) for p in parts)])


def _field_errors(error: ValidationError) -> Iterable[FieldError]:
    where = list(error.absolute_path)
    if error.validator == "required":
        # One entry per missing property, named after the property rather than its parent.
        present = error.instance if isinstance(error.instance, dict) else {}
        for name in cast("list[str]", error.validator_value):  # set by every validator, unlike by hand
            if name not in present:
                yield FieldError(_path(*where, name), Message("required"))
        return
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = set(error.schema.get("properties", {}) if isinstance(error.schema, dict) else ())
        for name in error.instance:
            if name not in allowed:
                yield FieldError(_path(*where, name), Message("not a field of this form"))
        return
    title = error.schema.get("title") if isinstance(error.schema, dict) else None
    message = Message("{title}: {problem}", title=title, problem=plain(error)) if title else plain(error)
    yield FieldError(_path(*where), message)


def form_errors(form: dict[str, Any], data: Any) -> list[FieldError]:
    """Every problem of `data` against `form`, one entry per field path (requestData.x.y)."""
    if not isinstance(data, dict):
        return [FieldError(FIELD, Message("must be a JSON object"))]
    # Before measuring it: json.dumps recurses, and a lone surrogate has no UTF-8 encoding.
    unstorable = json_problem(data)
    if unstorable is not None:
        return [FieldError(FIELD, unstorable[1])]
    size = len(json.dumps(data, ensure_ascii=False).encode())
    if size > MAX_BYTES:
        return [FieldError(FIELD, Message("at most {limit} bytes of JSON (got {size})", limit=MAX_BYTES, size=size))]
    validator = Draft202012Validator(form, format_checker=FORMATS)
    errors: dict[str, FieldError] = {}
    for error in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        for item in _field_errors(error):
            errors.setdefault(item.field, item)
    return list(errors.values())
