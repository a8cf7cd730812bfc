"""Writing a plan's response from its rows, with graphql-core's rules for nulls and errors, and
encoding responses with orjson.

Each selection's reader gives the raw value; its GraphQL type serializes a leaf (the very
`coerce_output_value` graphql-core calls) and says whether null is allowed. A null where the type
forbids it is graphql-core's error ("Cannot return null for non-nullable field T.f.", located at
the field's path) and nulls the nearest nullable parent, up to `data` itself.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import orjson
from graphql import (
    GraphQLError,
    GraphQLList,
    GraphQLNonNull,
    GraphQLOutputType,
    get_nullable_type,
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
        if not shape.writer:
            shape.writer.append(_writer(shape))
        try:
            return shape.writer[0](values, self.run)  # type: ignore[no-any-return]
        except Exception:  # noqa: BLE001 - a null, an error or anything unusual: written below
            pass
        return self.written(shape, values)

    def written(self, shape: Shape, values: list[Any]) -> dict[str, Any] | None:
        """The data as graphql-core would complete it, field by field, errors included."""
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


class _Unusual(Exception):
    """What the writer leaves to the field-by-field completion: a null where none may be, a
    failed root field."""


Writer = Callable[[list[Any], Run], dict[str, Any]]


def _writer(shape: Shape) -> Writer:
    """The shape's writer: Python written once for the shape, which reads every value of a run
    straight from its rows into the response, in the shape's order, with the serializers the
    field-by-field completion uses.

    It knows no errors: wherever completion would have one to report (a null in a non-null
    position, a failed root field, a value its type refuses, anything unforeseen), it raises, and
    the run is written again field by field (`Response.written`), which reports it exactly as
    graphql-core does. Readers read rows already fetched, so writing twice reads the same.
    """
    names: dict[str, Any] = {"_Unusual": _Unusual, "Failed": Failed, "_b64": base64.b64encode}
    lines: list[str] = []
    counter = iter(range(1_000_000))

    def bind(value: Any) -> str:
        name = f"_k{next(counter)}"
        names[name] = value
        return name

    def value_of(child: Selection, raw: str, body: list[str], indent: str) -> str:
        """Statements into `body` that leave the child's raw value in `v`."""
        read = child.read
        attribute = getattr(read, "attribute", None)
        relation = getattr(read, "relation", None)
        global_id = getattr(read, "global_id", None)
        item = getattr(read, "item", None)
        if attribute is not None and attribute.isidentifier():
            body.append(f"{indent}v = {raw}.{attribute}")
        elif relation is not None and relation.column.isidentifier():
            body.append(f"{indent}v = {raw}.{relation.column}")
            body.append(f"{indent}if v is not None:")
            body.append(f"{indent}    v = run.rows.get({bind(relation.kind)}, _EMPTY).get(v)")
        elif global_id is not None:  # strawberry's to_base64 of a type name, written out
            body.append(f"{indent}v = _b64(f{(global_id + ':{' + raw + '.id}')!r}.encode()).decode()")
        elif item is not None:
            body.append(f"{indent}v = {raw}[{int(item)}]")
        else:
            assert read is not None
            body.append(f"{indent}v = {bind(read)}({raw}, run)")
        return "v"

    def complete(child: Selection, body: list[str], indent: str) -> None:
        """Statements that write `v`, the child's raw value, at its key of `out`."""
        key = repr(child.key)
        type_ = child.type
        assert type_ is not None
        body.append(f"{indent}if v is None:")
        body.append(f"{indent}    " + ("raise _Unusual" if isinstance(type_, GraphQLNonNull)
                                       else f"out[{key}] = None"))
        body.append(f"{indent}else:")
        inner = indent + "    "
        if child.coerce is not None:
            coerce = bind(child.coerce)
            names = getattr(child.coerce, "names", None)
            if names is not None:  # an enum's names by member (planner._serializer)
                body.append(f"{inner}n = {bind(names)}.get(v)")
                body.append(f"{inner}out[{key}] = n if n is not None else {coerce}(v)")
                return
            body.append(f"{inner}out[{key}] = v if type(v) is str else {coerce}(v)" if child.text
                        else f"{inner}out[{key}] = {coerce}(v)")
            return
        nullable = get_nullable_type(type_)
        if child.object_type and not isinstance(nullable, GraphQLList):
            body.append(f"{inner}out[{key}] = {obj(child)}(v, run)")
            return
        if child.object_type and isinstance(nullable, GraphQLList) \
                and not isinstance(get_nullable_type(nullable.of_type), GraphQLList):
            write = obj(child)
            body.append(f"{inner}out[{key}] = [{write}(x, run) for x in v]"
                        if isinstance(nullable.of_type, GraphQLNonNull)
                        else f"{inner}out[{key}] = [None if x is None else {write}(x, run) for x in v]")
            return
        body.append(f"{inner}out[{key}] = {bind(_completed(child))}(v, run)")

    def obj(selection: Selection) -> str:
        """A function writing one object of the selection's children; its name."""
        name = f"_w{next(counter)}"
        body = [f"def {name}(raw, run):", "    out = {}"]
        for child in selection.children:
            if child.name == TYPENAME:
                body.append(f"    out[{child.key!r}] = {selection.object_type!r}")
                continue
            value_of(child, "raw", body, "    ")
            complete(child, body, "    ")
        body.append("    return out")
        lines.extend(body)
        return name

    root = ["def _root(values, run):", "    out = {}"]
    for index, selection in enumerate(shape.roots):
        if selection.name == TYPENAME:
            root.append(f"    out[{selection.key!r}] = 'Query'")
            continue
        root.append(f"    v = values[{index}]")
        root.append("    if type(v) is Failed:")
        root.append("        raise _Unusual")
        complete(selection, root, "    ")
    root.append("    return out")
    lines.extend(root)
    names["_EMPTY"] = {}
    exec("\n".join(lines), names)  # noqa: S102 - the shape's own code, from its selections alone
    return names["_root"]  # type: ignore[no-any-return]


def _completed(selection: Selection) -> Callable[[Any, Run], Any]:
    """A value the writer has no shortcut for, completed field by field; unusual if it errs."""
    def complete(raw: Any, run: Run) -> Any:
        response = Response(run)
        assert selection.type is not None
        value = response._complete(selection, selection.type, raw, [selection.key])
        if response.errors:
            raise _Unusual
        return value
    return complete


def encode_response(data: object) -> bytes:
    """A response body: orjson, or the standard library for what orjson refuses (lone surrogates
    in an echoed argument, integers beyond 64 bits)."""
    try:
        return orjson.dumps(data)
    except (orjson.JSONEncodeError, TypeError):
        return json.dumps(data, separators=(",", ":")).encode()
