"""The language of a GraphQL request, and its errors rendered in it (HTTP and WebSocket alike).

The order: an explicit `Accept-Language` (the HTTP header; on a WebSocket the connection_init
payload's `Accept-Language`, else the upgrade request's header), then the authenticated user's own
language, then their school's, then French. Only messages are translated: `extensions.code`, field
names, actions and states are machine-readable and stay as they are.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from tenants.context import Principal
from tenants.i18n.messages import Message, in_language, reader_language, reading_in

ACCEPT_LANGUAGE_KEYS = ("Accept-Language", "accept-language", "acceptLanguage")


def language_of_request(headers: Any, principal: Principal | None, params: object = None) -> str:
    """What a request reads; `params` is a WebSocket's connection_init payload."""
    asked = None
    if isinstance(params, dict):
        asked = next((params[k] for k in ACCEPT_LANGUAGE_KEYS if isinstance(params.get(k), str)), None)
    if asked is None and headers is not None:
        asked = headers.get("accept-language")
    return reader_language(asked, principal.language if principal is not None else None)


def localize(errors: Iterable[GraphQLError], language: str) -> None:
    """Render each error's message (and its fields' messages) in the language, in place."""
    for error in errors:
        if (error.extensions or {}).get("code") == "SERVICE_UNAVAILABLE":
            continue  # answered as a whole by a 503 (server.outages), in the request's language
        # graphql-core copies a raised error's message as a plain str: the original keeps the Message.
        text: Any = error.message
        original = getattr(error.original_error, "message", None)
        if isinstance(original, Message) and original == text:
            text = original
        error.message = in_language(text, language)
        fields = (error.extensions or {}).get("fields")
        if isinstance(fields, list):
            for entry in fields:
                if isinstance(entry, dict) and "message" in entry:
                    entry["message"] = in_language(entry["message"], language)


def localize_payloads(payloads: Iterable[Any], language: str) -> None:
    """Formatted errors (dicts) about to be sent on a WebSocket, rendered in place."""
    for payload in payloads:
        if isinstance(payload, dict) and "message" in payload:
            payload["message"] = in_language(payload["message"], language)
            for entry in (payload.get("extensions") or {}).get("fields") or ():
                if isinstance(entry, dict) and "message" in entry:
                    entry["message"] = in_language(entry["message"], language)


class ReadingLanguage(SchemaExtension):
    """Resolvers (typed errors in payloads) render messages in the request's language."""

    async def on_operation(self) -> AsyncIterator[None]:
        context = self.execution_context.context
        with reading_in(getattr(context, "language", None) or reader_language(None, None)):
            yield
