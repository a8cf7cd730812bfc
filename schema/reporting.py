"""What a GraphQL operation tells the logs: client mistakes at INFO, bugs at ERROR, outages as 503.

Strawberry logs every error at ERROR with a traceback, a client's typo included. `ReportingSchema`
sorts them instead, before MaskErrors hides the originals:

- a client mistake (parse or validation error, bad variable, an error the API raised on purpose
  such as BAD_USER_INPUT or UNAUTHENTICATED, a domain refusal) is one INFO line, no traceback;
- an outage (the database or the identity provider is down) replaces the error by a
  SERVICE_UNAVAILABLE one (the view answers 503) and is one WARNING line, never the driver's text;
- anything else is a bug: ERROR with its traceback.

Each error's code, and the operation's name and type, are noted for the request's access line.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.relay import GlobalIDValueError
from strawberry.types import ExecutionContext

from schema.languages import localize
from server import logs
from server.errors import GroupdeskError
from server.outages import ServiceUnavailable, outage_of
from tenants.i18n.messages import reading_language

log = logging.getLogger("groupdesk.graphql")

SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"


def is_client_mistake(error: GraphQLError) -> bool:
    original = error.original_error
    if original is None or isinstance(original, GraphQLError | GroupdeskError | GlobalIDValueError):
        return True
    # Before execution (parsing, validation, coercing variables) there is no path: the document is at fault.
    return error.path is None and isinstance(original, ValueError | TypeError)


def error_code(error: GraphQLError) -> str:
    code = (error.extensions or {}).get("code")
    if isinstance(code, str):
        return code
    return "BAD_REQUEST" if is_client_mistake(error) else "INTERNAL"


def unavailable(error: GraphQLError, message: str) -> GraphQLError:
    return GraphQLError(message, nodes=error.nodes, source=error.source, positions=error.positions,
                        path=error.path, extensions={"code": SERVICE_UNAVAILABLE})


class OperationReport(SchemaExtension):
    """Notes the operation's name and type once it is known (after validation)."""

    def on_execute(self) -> Iterator[None]:
        ctx = self.execution_context
        name = ctx.operation_name
        if name is None and ctx.graphql_document is not None:
            named = [d.name.value for d in ctx.graphql_document.definitions
                     if getattr(d, "operation", None) is not None and getattr(d, "name", None)]
            name = named[0] if len(named) == 1 else None
        try:
            kind = ctx.operation_type.value
        except RuntimeError:  # no operation to run
            kind = None
        logs.note_operation(name, kind)
        yield


class ReportingSchema(strawberry.Schema):
    def __init__(self, *args: Any, extensions: list[Any] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, extensions=[OperationReport, *extensions], **kwargs)

    def process_errors(self, errors: list[GraphQLError],
                       execution_context: ExecutionContext | None = None) -> None:
        operation = execution_context.operation_name if execution_context is not None else None
        for index, error in enumerate(errors):
            outage = outage_of(error)
            if outage is not None:
                # Replaced in place: the response (WebSocket included) never carries the driver's words.
                errors[index] = unavailable(error, outage.message)
                logs.note_outcome(f"error:{SERVICE_UNAVAILABLE}")
                log.warning("%s unavailable during the operation", outage.dependency, extra={"fields": {
                    "operation": operation, "cause": type(error.original_error).__name__}})
                continue
            code = error_code(error)
            logs.note_outcome(f"error:{code}")
            fields = {"operation": operation, "code": code, "path": error.path}
            if is_client_mistake(error):
                log.info("client error: %s", error.message, extra={"fields": fields})
            else:
                log.error("unexpected error: %s", error.message, exc_info=error.original_error,
                          extra={"fields": fields})
        # Logged in English above; the caller reads them in the request's language.
        context = execution_context.context if execution_context is not None else None
        localize(errors, getattr(context, "language", None) or reading_language())


def raise_if_unavailable(result: Any) -> None:
    """An operation that met an outage is answered as a whole by a 503 (see server.outages)."""
    for error in getattr(result, "errors", None) or ():
        if (error.extensions or {}).get("code") == SERVICE_UNAVAILABLE:
            dependency = "identity provider" if "identity" in error.message else "database"
            raise ServiceUnavailable(error.message, dependency=dependency)
