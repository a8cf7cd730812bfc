"""The HTTP envelope of a GraphQL request: a body that cannot be one is a 400 naming the problem.

Strawberry assumes a JSON object: `null`, a string or an array, bytes that are not UTF-8 or JSON
nested thousands of levels deep (Python's parser gives up with a RecursionError near 1,000) ended
as a 500 before anything ran. Here each is refused with a GraphQL error body, code BAD_REQUEST.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

import orjson

from starlette.responses import JSONResponse
from strawberry.http import GraphQLRequestData

from tenants.i18n import DEFAULT_LANGUAGE
from tenants.i18n.messages import Message, in_language

# Keys of a GraphQL-over-HTTP body and the JSON types each may hold (null is always allowed).
ENVELOPE: dict[str, tuple[type, str]] = {
    "query": (str, Message("a string")),
    "operationName": (str, Message("a string")),
    "variables": (dict, Message("an object")),
    "extensions": (dict, Message("an object")),
}


# 19 digits or more in a row: a number orjson may not read as the standard library does. In bytes
# (a POST body) every digit becomes 0 and the run is searched for: faster than a regular expression.
_DIGITS_AS_ZEROS, _LONG_RUN = bytes.maketrans(b"123456789", b"000000000"), b"0" * 19
_LONG_NUMBER_TEXT = re.compile(r"[0-9]{19}")


def _long_number(data: str | bytes) -> bool:
    if isinstance(data, bytes):
        return _LONG_RUN in data.translate(_DIGITS_AS_ZEROS)
    return _LONG_NUMBER_TEXT.search(data) is not None


class BadRequestBody(Exception):
    """The request is not a GraphQL request: nothing ran."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def response(self, language: str = DEFAULT_LANGUAGE) -> JSONResponse:
        return JSONResponse({"errors": [{"message": in_language(self.message, language),
                                         "extensions": {"code": "BAD_REQUEST"}}]},
                            status_code=400)


def _kind(value: object) -> str:
    if value is None:
        return "null"
    kinds = {str: Message("a string"), list: Message("an array"), dict: Message("an object"),
             bool: Message("a boolean")}
    return kinds.get(type(value), Message("a number"))


def loads(data: str | bytes, *, max_depth: int, what: str = Message("the request body")) -> Any:
    """Decode JSON text, refusing invalid UTF-8, invalid JSON and nesting beyond `max_depth`.

    orjson reads the bytes as they came (no str made first); what it refuses, or what it reads
    otherwise than the standard library (NaN, integers beyond 64 bits), goes to the standard
    library, whose answer or error message is the one given.
    """
    # orjson reads an integer beyond 64 bits as a float; the standard library keeps it exact.
    if not _long_number(data):
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            pass
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BadRequestBody(Message("{what} is not valid UTF-8 (byte {byte})", what=what,
                                         byte=exc.start)) from None
    try:
        value = json.loads(data)
    except RecursionError:
        raise BadRequestBody(Message("{what} is nested deeper than {limit} levels", what=what,
                                     limit=max_depth)) from None
    except ValueError as exc:
        raise BadRequestBody(Message("{what} is not valid JSON: {problem}", what=what,
                                     problem=str(getattr(exc, "msg", exc)))) from None
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
        raise BadRequestBody(Message("the request body must be a JSON object with a `query` (got {kind})",
                                     kind=_kind(data)))
    for key, (kind, shown) in ENVELOPE.items():
        value = data.get(key)
        if value is not None and not isinstance(value, kind):
            raise BadRequestBody(Message("`{key}` must be {expected} or null (got {kind})", key=key,
                                         expected=shown, kind=_kind(value)))
    if depth_exceeds(data.get("variables"), max_depth):
        raise BadRequestBody(Message("`variables` is nested deeper than {limit} levels", limit=max_depth))
    return data


def envelope(body: bytes, *, max_depth: int) -> dict[str, Any]:
    """A JSON POST body as a checked GraphQL envelope; BadRequestBody otherwise."""
    return check_envelope(loads(body, max_depth=max_depth), max_depth=max_depth)


async def read(request: Any, parse_other: Callable[[Any], Awaitable[Any]], *,
               max_depth: int, parsed: dict[str, Any] | BadRequestBody | None = None) -> Any:
    """A request's GraphQL data: JSON POST bodies read here, others (GET) by `parse_other`.
    `parsed`: the body's envelope (or its refusal) when it was already read (schema.view's
    known path), not read again."""
    if request.method == "POST" and "application/json" in (request.content_type or ""):
        if isinstance(parsed, BadRequestBody):
            raise parsed
        data = parsed if parsed is not None else envelope(await request.get_body(), max_depth=max_depth)
        return GraphQLRequestData(query=data.get("query"), variables=data.get("variables"),
                                  operation_name=data.get("operationName"),
                                  extensions=data.get("extensions"),
                                  # Only graphql-transport-ws is enabled: no streaming over HTTP.
                                  protocol="http")
    found = await parse_other(request)
    if depth_exceeds(getattr(found, "variables", None), max_depth):
        raise BadRequestBody(Message("`variables` is nested deeper than {limit} levels", limit=max_depth))
    return found
