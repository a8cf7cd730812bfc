"""Fields that are plain attributes are read by graphql-core directly, not through Strawberry.

Strawberry resolves a field without a resolver through two Python calls of its own (a wrapper,
then `StrawberryField.get_result`, then `getattr`); on a page of 50 tickets with their relations
that is thousands of calls spent on nothing. Once the schema is built, each such field (marked
`_is_default` by Strawberry: no resolver, no extension, no permission) gets one small function
reading its attribute by its Python name. Fields with a resolver, arguments or an extension are
left exactly as Strawberry made them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import GraphQLObjectType
from strawberry import Schema
from strawberry.types.field import StrawberryField

_BACKREF = "strawberry-definition"


def _reader(name: str) -> Callable[..., Any]:
    def read(source: Any, _info: Any) -> Any:
        return getattr(source, name)

    read._is_default = True  # type: ignore[attr-defined]  # what Strawberry's own marks say
    return read


def read_plain_fields_directly(schema: Schema) -> int:
    """Swap the resolvers of the plain attribute fields; how many fields were swapped."""
    swapped = 0
    for gql_type in schema._schema.type_map.values():
        if not isinstance(gql_type, GraphQLObjectType) or gql_type.name.startswith("__"):
            continue
        for field in gql_type.fields.values():
            definition = (field.extensions or {}).get(_BACKREF)
            if (not isinstance(definition, StrawberryField) or field.args
                    or not getattr(field.resolve, "_is_default", False)
                    or not definition.is_basic_field):
                continue
            field.resolve = _reader(definition.python_name)
            swapped += 1
    return swapped
