"""The HTTP envelope of a GraphQL request: a body that cannot be one is a 400 naming the problem.

Strawberry assumes a JSON object: `null`, a string or an array, bytes that are not UTF-8 or JSON
nested thousands of levels deep (Python's parser gives up with a RecursionError near 1,000) ended
as a 500 before anything ran. Here each is refused with a GraphQL error body, code BAD_REQUEST.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.responses import JSONResponse
from strawberry.http import GraphQLRequestData

# Keys of a GraphQL-over-HTTP body and the JSON types each may hold (null is always allowed).
ENVELOPE: dict[str, tuple[type, str]] = {
    "query": (str, "a string"),
    "operationName": (str, "a string"),
    "variables": (dict, "an object"),
    "extensions": (dict, "an object"),
}


class BadRequestBody(Exception):
    """The request is not a GraphQL request: nothing ran."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def response(self) -> JSONResponse:
        return JSONResponse({"errors": [{"message": self.message,
                                         "extensions": {"code": "BAD_REQUEST"}}]},
                            status_code=400)


def _kind(value: object) -> str:
    if value is None:
        return "null"
    return {str: "a string", list: "an array", dict: "an object", bool: "a boolean"}.get(
        type(value), "a number")


def loads(data: str | bytes, *, max_depth: int, what: str = "the request body") -> Any:
    """Decode JSON text, refusing invalid UTF-8, invalid JSON and nesting beyond `max_depth`."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BadRequestBody(f"{what} is not valid UTF-8 (byte {exc.start})") from None
    try:
        value = json.loads(data)
    except RecursionError:
        raise BadRequestBody(f"{what} is nested deeper than {max_depth} levels") from None
    except ValueError as exc:
        raise BadRequestBody(f"{what} is not valid JSON: {getattr(exc, 'msg', exc)}") from None
    return value


def depth_exceeds(value: object, max_depth: int) -> bool:
    """Whether arrays and objects nest more than `max_depth` levels (walked without recursion)."""
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth + 1 > max_depth:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def check_envelope(data: object, *, max_depth: int) -> dict[str, Any]:
    """The body as a JSON object whose GraphQL keys have the right types and bounded nesting."""
    if not isinstance(data, dict):
        raise BadRequestBody("the request body must be a JSON object with a `query` "
                             f"(got {_kind(data)})")
    for key, (kind, shown) in ENVELOPE.items():
        value = data.get(key)
        if value is not None and not isinstance(value, kind):
            raise BadRequestBody(f"`{key}` must be {shown} or null (got {_kind(value)})")
    if depth_exceeds(data.get("variables"), max_depth):
        raise BadRequestBody(f"`variables` is nested deeper than {max_depth} levels")
    return data


async def read(request: Any, parse_other: Callable[[Any], Awaitable[Any]], *,
               max_depth: int) -> Any:
    """A request's GraphQL data: JSON POST bodies read here, others (GET) by `parse_other`."""
    if request.method == "POST" and "application/json" in (request.content_type or ""):
        data = check_envelope(loads(await request.get_body(), max_depth=max_depth),
                              max_depth=max_depth)
        return GraphQLRequestData(query=data.get("query"), variables=data.get("variables"),
                                  operation_name=data.get("operationName"),
                                  extensions=data.get("extensions"),
                                  # Only graphql-transport-ws is enabled: no streaming over HTTP.
                                  protocol="http")
    found = await parse_other(request)
    if depth_exceeds(getattr(found, "variables", None), max_depth):
        raise BadRequestBody(f"`variables` is nested deeper than {max_depth} levels")
    return found
