"""How the GraphQL endpoint says no before running anything: 401/403, 429 and 503, over HTTP and WebSocket."""

from __future__ import annotations

from starlette.responses import JSONResponse

from schema.graphql_over_http import GRAPHQL_RESPONSE_JSON

from server.identity.auth import AuthenticationFailed
from server.identity.rate_limits import RateLimited
from server.identity.tokens import IdentityProviderUnavailable
from tenants.i18n import DEFAULT_LANGUAGE
from tenants.i18n.messages import in_language

Refusal = AuthenticationFailed | RateLimited | IdentityProviderUnavailable
REFUSALS = (AuthenticationFailed, RateLimited, IdentityProviderUnavailable)

# graphql-transport-ws close codes beyond 4401/4403: 4429 as HTTP's 429; 1013 is WebSocket's own
# "try again later" for a server that cannot serve now.
WS_RATE_LIMITED = 4429
WS_TRY_AGAIN_LATER = 1013


def refusal_response(exc: Refusal, *, graphql_response: bool = False,
                     language: str = DEFAULT_LANGUAGE) -> JSONResponse:
    """The HTTP answer: a GraphQL error whose code says what to do, with the matching headers.

    In `application/graphql-response+json` when the client accepts it (GraphQL over HTTP). The
    message is in the request's language; the WWW-Authenticate challenge stays English (ASCII).
    """
    if isinstance(exc, RateLimited):
        response = _error(in_language(exc.message, language), "RATE_LIMITED", 429,
                          {"Retry-After": str(exc.retry_after)}, retry_after=exc.retry_after)
    elif isinstance(exc, IdentityProviderUnavailable):
        response = _error(in_language(exc.reason, language), "SERVICE_UNAVAILABLE", 503,
                          {"Retry-After": str(exc.retry_after)}, retry_after=exc.retry_after)
    else:
        challenge = 'Bearer error="invalid_token", error_description="' + exc.message.replace('"', "'") + '"'
        response = _error(in_language(exc.message, language), "UNAUTHENTICATED" if exc.status == 401
                          else "FORBIDDEN", exc.status, {"WWW-Authenticate": challenge})
    if graphql_response:
        response.headers["content-type"] = GRAPHQL_RESPONSE_JSON
    return response


def ws_rejection(exc: Refusal, *, language: str = DEFAULT_LANGUAGE) -> tuple[int, str]:
    """The close code and reason of a WebSocket refused at connection_init, in the asked language."""
    if isinstance(exc, RateLimited):
        return WS_RATE_LIMITED, in_language(exc.message, language)
    if isinstance(exc, IdentityProviderUnavailable):
        return WS_TRY_AGAIN_LATER, in_language(exc.reason, language)
    return (4401 if exc.status == 401 else 4403), in_language(exc.message, language)


def _error(message: str, code: str, status: int, headers: dict[str, str], *,
           retry_after: int | None = None) -> JSONResponse:
    extensions: dict[str, object] = {"code": code}
    if retry_after is not None:
        extensions["retryAfter"] = retry_after
    return JSONResponse({"errors": [{"message": message, "extensions": extensions}]},
                        status_code=status, headers=headers)
