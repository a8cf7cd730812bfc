"""GraphQL over HTTP: which status and body shape a result gets, by the media type the client accepts.

A client accepting `application/graphql-response+json` gets statuses that mean something: 4xx when the
request could not be executed (unparsable, invalid, anonymous) and then no `data` entry, as the
GraphQL specification asks of request errors; 200 once execution ran, even when its `data` is null.
Plain `application/json` clients keep what they always had: 200, with `"data": null` and the errors.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import Response
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types.graphql import OperationType

GRAPHQL_RESPONSE_MEDIA_TYPE = "application/graphql-response+json"
GRAPHQL_RESPONSE_JSON = f"{GRAPHQL_RESPONSE_MEDIA_TYPE}; charset=utf-8"
JSON = "application/json"


def wants_graphql_response(request: Any) -> bool:
    accept = request.headers.get("accept", "") if hasattr(request, "headers") else ""
    return GRAPHQL_RESPONSE_MEDIA_TYPE in accept


def _codes(result: Any) -> set[Any]:
    return {(e.extensions or {}).get("code") for e in result.errors or ()}


def is_request_error(result: Any) -> bool:
    """Nothing was executed: parse, validation or variable errors carry no field path."""
    return result.data is None and bool(result.errors) and all(e.path is None for e in result.errors)


def refused_as_anonymous(result: Any) -> bool:
    """An anonymous caller asked for more than introspection (schema.extensions.RequireAuthentication)."""
    return result.data is None and "UNAUTHENTICATED" in _codes(result)


def graphql_response_status(result: Any) -> int:
    """The status for a graphql-response+json client; a 4xx answer carries no `data` entry."""
    if refused_as_anonymous(result):
        return 401
    return 400 if is_request_error(result) else 200


def error_response(message: str, status: int, *, graphql_response: bool, code: str | None = None,
                   headers: dict[str, str] | None = None) -> Response:
    """A request refused before execution: `errors` alone, in the media type the client accepts."""
    error: dict[str, Any] = {"message": message}
    if code is not None:
        error["extensions"] = {"code": code}
    return Response(json.dumps({"errors": [error]}), status_code=status, headers=headers,
                    media_type=GRAPHQL_RESPONSE_JSON if graphql_response else JSON)


def mutation_over_get(exc: BaseException, method: str) -> bool:
    """A GET asking for a mutation: the spec's 405, so that clients retry with POST."""
    cause = exc.__cause__
    return (method == "GET" and isinstance(cause, InvalidOperationTypeError)
            and cause.operation_type is OperationType.MUTATION)
