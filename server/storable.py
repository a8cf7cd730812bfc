"""The last guard before a write: text the database cannot store is refused, naming the field.

PostgreSQL refuses NUL in text and JSONB, and a lone UTF-16 surrogate has no UTF-8 encoding
(asyncpg cannot send it, and the SQLite driver fails the same way). Services check the fields they
validate (server/validation.py) with friendlier rules; this guard catches any other string an ORM
object carries into a flush, whatever the entry point (GraphQL, SCIM, a desk's webhook, the CLI),
as a ValidationFailed instead of a driver error.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy import inspect as inspect_object
from sqlalchemy.orm import Session

from server.errors import ValidationFailed
from server.validation import json_problem, text_problem


def _api_name(attribute: str) -> str:
    """`requester_name` -> `requesterName`, as the API spells its fields."""
    head, *rest = attribute.split("_")
    return head + "".join(part.title() for part in rest)


def _problem(value: Any) -> tuple[str, str] | None:
    """(path suffix, problem) of a value that cannot be stored, or None."""
    if isinstance(value, str):
        problem = text_problem(value)
        return ("", problem) if problem else None
    if isinstance(value, dict | list):
        found = json_problem(value)
        if found is not None:
            path, problem = found
            return "".join(f".{part}" for part in path), problem
    return None


def _add_problems(errors: dict[str, str], values: dict[str, Any], keys: Any) -> None:
    for key in keys:
        value = values.get(key)
        found = _problem(value) if value is not None else None
        if found is not None:
            suffix, problem = found
            errors.setdefault(_api_name(key) + suffix, problem)


def refuse_unstorable(session: Session, _flush_context: Any, _instances: Any) -> None:
    """before_flush: every new or changed column value must be storable."""
    errors: dict[str, str] = {}
    for obj, new in (*((o, True) for o in session.new), *((o, False) for o in session.dirty)):
        state = inspect_object(obj)
        # Only what is in memory: nothing is loaded; of a stored object, only what changed since
        # (its other values were stored already).
        keys = ([a.key for a in state.mapper.column_attrs] if new
                else [k for k in state.committed_state if k in state.mapper.column_attrs])
        _add_problems(errors, state.dict, keys)
    if errors:
        raise ValidationFailed(errors)


def refuse_unstorable_values(values: dict[str, Any]) -> None:
    """The same guard for a row written without a flush (by attribute key: its table's INSERT)."""
    errors: dict[str, str] = {}
    _add_problems(errors, values, values)
    if errors:
        raise ValidationFailed(errors)


def install() -> None:
    """Guard every ORM session (idempotent)."""
    if not event.contains(Session, "before_flush", refuse_unstorable):
        event.listen(Session, "before_flush", refuse_unstorable)
