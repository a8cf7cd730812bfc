"""Writing a plan's response from its rows, with graphql-core's rules for nulls and errors, and
encoding responses with orjson.

Each selection's reader gives the raw value; its GraphQL type serializes a leaf (the very
`coerce_output_value` graphql-core calls) and says whether null is allowed. A null where the type
forbids it is graphql-core's error ("Cannot return null for non-nullable field T.f.", located at
the field's path) and nulls the nearest nullable parent, up to `data` itself.
"""

from __future__ import annotations

import json
from typing import Any

import orjson
from graphql import (
    GraphQLError,
    GraphQLList,
    GraphQLNonNull,
    GraphQLOutputType,
    located_error,
)

from schema.compiled.fields import Run
from schema.compiled.planner import TYPENAME, Selection, Shape
from schema.compiled.rows import Failed

Path = list[str | int]


class _Propagating(Exception):
    """A field error on its way up to the nearest nullable position."""

    def __init__(self, error: GraphQLError) -> None:
        super().__init__(error.message)
        self.error = error


class Response:
    """The `data` and `errors` of one run of a shape."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self.errors: list[GraphQLError] = []

    def data(self, shape: Shape, values: list[Any]) -> dict[str, Any] | None:
        out: dict[str, Any] = {}
        for selection, value in zip(shape.roots, values, strict=True):
            if selection.name == TYPENAME:
                out[selection.key] = "Query"
                continue
            try:
                out[selection.key] = self._field(selection, value, [selection.key])
            except _Propagating as propagated:
                self.errors.append(propagated.error)
                return None
        return out

    def _field(self, selection: Selection, raw: Any, path: Path) -> Any:
        """The field's value at `path`; an error stops here when the field may be null."""
        assert selection.type is not None
        try:
            if isinstance(raw, Failed):
                raise _Propagating(located_error(raw.error, list(selection.nodes), path))
            return self._complete(selection, selection.type, raw, path)
        except _Propagating as propagated:
            if isinstance(selection.type, GraphQLNonNull):
                raise
            self.errors.append(propagated.error)
            return None

    def _complete(self, selection: Selection, type_: GraphQLOutputType, raw: Any,
                  path: Path) -> Any:
        if isinstance(type_, GraphQLNonNull):
            value = self._complete(selection, type_.of_type, raw, path)
            if value is None:
                message = (f"Cannot return null for non-nullable field "
                           f"{selection.parent}.{selection.name}.")
                raise _Propagating(located_error(TypeError(message), list(selection.nodes), path))
            return value
        if raw is None:
            return None
        if isinstance(type_, GraphQLList):
            return [self._item(selection, type_.of_type, item, [*path, index])
                    for index, item in enumerate(raw)]
        if selection.object_type:
            return self._object(selection, raw, path)
        return type_.coerce_output_value(raw)  # type: ignore[union-attr]

    def _item(self, selection: Selection, type_: GraphQLOutputType, raw: Any, path: Path) -> Any:
        try:
            return self._complete(selection, type_, raw, path)
        except _Propagating as propagated:
            if isinstance(type_, GraphQLNonNull):
                raise
            self.errors.append(propagated.error)
            return None

    def _object(self, selection: Selection, raw: Any, path: Path) -> dict[str, Any]:
        out: dict[str, Any] = {}
        run = self.run
        for child in selection.children:
            if child.name == TYPENAME:
                out[child.key] = selection.object_type
                continue
            get = child.get
            if get is not None:
                value = get(raw)
            else:
                assert child.read is not None
                value = child.read(raw, run)
            coerce = child.coerce
            # Most fields are single scalars: written here, with no path built unless null.
            if coerce is not None and value is not None:
                out[child.key] = value if child.text and type(value) is str else coerce(value)
            elif coerce is not None and not child.non_null:
                out[child.key] = None
            else:
                out[child.key] = self._field(child, value, [*path, child.key])
        return out


def encode_response(data: object) -> bytes:
    """A response body: orjson, or the standard library for what orjson refuses (lone surrogates
    in an echoed argument, integers beyond 64 bits)."""
    try:
        return orjson.dumps(data)
    except (orjson.JSONEncodeError, TypeError):
        return json.dumps(data, separators=(",", ":")).encode()
