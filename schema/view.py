"""The GraphQL view: authenticates, opens the operation's session and owns its transaction."""

from __future__ import annotations

import asyncio
import contextlib
from contextvars import ContextVar
from dataclasses import dataclass
import datetime as dt
import logging
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message as AsgiMessage, Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketState
from strawberry.asgi import ASGIWebSocketAdapter, GraphQL
from strawberry.exceptions import ConnectionRejectionError
from cross_web import HTTPException
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET

from schema import request_body
from schema import graphql_over_http as over_http
from schema.argument_checks import argument_errors
from schema.compiled.execution import COMPILED_RUN
from schema.compiled.serializer import encode_response
from schema.context import Context
from schema.cost import operation_cost
from schema.known_path import KnownDocument, KnownDocuments, handed_over, served
from schema.limits import COST_KEY, OperationTimedOut, within_time_limit
from schema.graphiql import render_graphiql
from schema.languages import language_of_request, localize
from schema.refusals import REFUSALS, refusal_response, ws_rejection
from schema.socket_guard import OPEN_SOCKET, GuardedTransportWSHandler, forget_socket, open_socket
from server.config import Settings
from server.db import utcnow
from server import logs
from server.db_serial import SerialSession
from server.identity.auth import Authentication, AuthenticationFailed, Authenticator
from server.identity.gate import AuthenticationGate
from server.identity.rate_limits import RateLimits
from server.live.hub import LiveHub
from schema.reporting import raise_if_unavailable
from server.outages import WS_TRY_AGAIN_LATER, outage_of
from tenants.i18n.messages import Message, in_language, read_in, reading_in, reading_language

log = logging.getLogger("groupdesk.graphql")

# graphql-transport-ws close codes: 4401 for missing or invalid credentials, 4403 for a refused caller.
WS_UNAUTHORIZED = 4401
WS_FORBIDDEN = 4403
# Where the request's session waits (in the ASGI scope) to be closed if the operation never ran.
REQUEST_SESSION = "groupdesk.session"


@dataclass(frozen=True, slots=True)
class HandedOver:
    """What the known path already did for a request it hands to the whole way: the caller it
    admitted (the gate counts a request once) and the body's envelope, or why it is refused (the
    body is parsed once)."""

    found: Authentication | None
    parsed: dict[str, Any] | request_body.BadRequestBody


# Set by the view around the whole way, for get_context and parse_http_body.
HANDED: ContextVar[HandedOver | None] = ContextVar("groupdesk_handed_over", default=None)
# A close frame's reason holds at most 123 bytes.
WS_REASON_MAX_BYTES = 123


def ws_credential(params: object) -> str | None:
    """The bearer credential of a connection_init payload, as an Authorization header value."""
    if not isinstance(params, dict):
        return None
    for key in ("Authorization", "authorization"):
        value = params.get(key)
        if value is not None:
            if not isinstance(value, str):
                raise AuthenticationFailed(Message("connection_init payload: {key} must be 'Bearer <token>'",
                                                   key=key))
            return value
    token = params.get("token")
    if token is None:
        return None
    if not isinstance(token, str) or not token.strip():
        raise AuthenticationFailed(Message("connection_init payload: token must be a non-empty string"))
    return f"Bearer {token.strip()}"


def _close_reason(message: str) -> str:
    encoded = message.encode("utf-8")
    if len(encoded) <= WS_REASON_MAX_BYTES:
        return message
    return encoded[: WS_REASON_MAX_BYTES - 3].decode("utf-8", errors="ignore") + "..."


def _client_address(request: Request | WebSocket) -> str | None:
    """The peer's address as uvicorn sees it (behind a proxy: with --forwarded-allow-ips set)."""
    return request.client.host if request.client is not None else None


class ExplainedRejectionAdapter(ASGIWebSocketAdapter):
    """Strawberry closes a rejected connection with a bare "Forbidden"; say why instead."""

    async def close(self, code: int, reason: str) -> None:
        rejection = getattr(self.ws.state, "rejection", None)
        if code == WS_FORBIDDEN and rejection is not None:
            code, reason = rejection
        await super().close(code, _close_reason(reason))


class GroupdeskGraphQL(GraphQL):
    websocket_adapter_class = ExplainedRejectionAdapter  # type: ignore[assignment]
    graphql_transport_ws_handler_class = GuardedTransportWSHandler

    def __init__(self, schema: Any, *, settings: Settings, sessions: async_sessionmaker[AsyncSession],
                 authenticator: Authenticator, rate_limits: RateLimits | None = None,
                 clock: Callable[[], dt.datetime] = utcnow, live: LiveHub | None = None) -> None:
        super().__init__(
            schema,
            graphql_ide=None if settings.is_production else "graphiql",
            # Only graphql-transport-ws: the legacy protocol had an authentication bypass.
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            max_subscriptions_per_connection=20,
        )
        self.settings = settings
        self.sessions = sessions
        self.authenticator = authenticator
        self.clock = clock
        self.live = live
        self.gate = AuthenticationGate(authenticator, rate_limits)
        # Queries already answered by their compiled plan, served again by the known path.
        self.known = KnownDocuments()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("method") == "POST" and len(self.known) \
                and self.settings.compiled_execution:
            handed = await self._known_path(scope, receive, send)
            if handed is None:
                return
            receive, over = handed
            token = HANDED.set(over)
            try:
                await super().__call__(scope, receive, send)
            finally:
                HANDED.reset(token)
            return
        await super().__call__(scope, receive, send)

    async def get_context(self, request: Request | WebSocket, response: Any = None) -> Context:
        principal = None
        session = None
        if isinstance(request, Request):
            # One session for the request: authentication reads the caller in it when it must (a
            # token seen for the first time), the operation then runs in it. Opened on first use.
            session = SerialSession(self.sessions())
            request.scope[REQUEST_SESSION] = session
            handed = HANDED.get()
            if handed is not None:  # the known path admitted the caller and handed the request over
                found = handed.found
            else:
                found = await self.gate.admit(request.headers.get("authorization"), _client_address(request),
                                              reader=session)  # type: ignore[arg-type]
            principal = found.principal if found is not None else None
        # A WebSocket authenticates later, from its connection_init payload (on_ws_connect).
        return self._context(request, principal, session, response)

    def _context(self, request: Request | WebSocket, principal: Any, session: SerialSession | None,
                 response: Any = None) -> Context:
        """The operation's context, read in the request's language (the whole way and the known path)."""
        language = language_of_request(request.headers, principal)
        read_in(language)
        return Context(settings=self.settings, sessions=self.sessions, principal=principal, live=self.live,
                       request=request, response=response, websocket=isinstance(request, WebSocket),
                       request_id=request.scope.get("state", {}).get("request_id", "-"),
                       clock=self.clock, language=language, _session=session)  # type: ignore[arg-type]

    async def on_ws_connect(self, context: Context) -> Any:
        """Authenticate the connection_init payload; refuse the connection with the reason."""
        websocket: WebSocket = context.request
        asked = language_of_request(websocket.headers, None, context.connection_params)
        try:
            credential = ws_credential(context.connection_params) or websocket.headers.get("authorization")
            if credential is None:
                raise AuthenticationFailed(Message('authentication required: send {"Authorization": '
                                                   '"Bearer <token>"} in connection_init'))
            found = await self.gate.admit(credential, _client_address(websocket), cached=False)
        except REFUSALS as exc:
            websocket.state.rejection = ws_rejection(exc, language=asked)
            raise ConnectionRejectionError({"message": websocket.state.rejection[1]}) from None
        except Exception as exc:
            if (outage := outage_of(exc)) is None:
                raise
            reason = in_language(outage.message, asked)
            websocket.state.rejection = (WS_TRY_AGAIN_LATER, reason)
            raise ConnectionRejectionError({"message": reason}) from None
        assert found is not None
        context.principal = found.principal
        context.language = language_of_request(websocket.headers, found.principal, context.connection_params)
        context.extras[OPEN_SOCKET] = open_socket(websocket, found, sessions=self.sessions,
                                                  interval=self.settings.ws_recheck_seconds,
                                                  language=context.language)
        if found.expires_at is not None:
            delay = found.expires_at + self.settings.oidc_leeway - time.time()
            websocket.state.expiry = asyncio.create_task(_close_when_expired(websocket, delay, context.language))
        return UNSET

    def decode_json(self, data: str | bytes) -> object:
        # GET's `variables`: invalid UTF-8 or JSON, or nesting too deep, is a 400 (request_body).
        return request_body.loads(data, max_depth=self.settings.max_json_depth, what=Message("`variables`"))

    async def parse_http_body(self, request: Any) -> Any:
        handed = HANDED.get()
        return await request_body.read(request, super().parse_http_body,
                                       max_depth=self.settings.max_json_depth,
                                       parsed=handed.parsed if handed is not None else None)

    async def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        try:
            return await super().run(request, context, root_value)
        except request_body.BadRequestBody as exc:
            return exc.response(language_of_request(request.headers, None))
        except REFUSALS as exc:
            return refusal_response(exc, graphql_response=over_http.wants_graphql_response(request),
                                    language=language_of_request(request.headers, None))
        except HTTPException as exc:
            if not over_http.mutation_over_get(exc, request.method):
                raise
            return over_http.error_response(
                in_language(Message("mutations are not allowed over GET: send them with POST"),
                            language_of_request(request.headers, None)), 405, headers={"Allow": "POST"},
                graphql_response=over_http.wants_graphql_response(request))
        finally:
            session = request.scope.pop(REQUEST_SESSION, None)
            if session is not None and session.sync_session.in_transaction():
                # Ended by the operation as a rule; not when the request was refused before it ran
                # (a body that is not GraphQL, a refused caller) after authentication had read in it.
                await session.close()
            forget_socket(request)
            expiry = getattr(getattr(request, "state", None), "expiry", None)
            if expiry is not None:
                expiry.cancel()

    async def execute_single(self, request: Any, request_adapter: Any, sub_response: Any,
                             context: Context, root_value: Any, request_data: Any) -> Any:
        success = False
        try:
            result = await super().execute_single(request, request_adapter, sub_response,
                                                  context, root_value, request_data)
            success = not result.errors
            if success:
                self._learn(request, context, request_data)
            raise_if_unavailable(result)  # server.outages.OutageGuard answers 503
            if sub_response.graphql_response_json:
                sub_response.status_code = over_http.graphql_response_status(result)
            return result
        finally:
            await context.finish(success=success)

    def _learn(self, request: Any, context: Context, request_data: Any) -> None:
        """A query the compiled plan answered without error, sent as a JSON POST: known from now on."""
        compiled = context.extras.get(COMPILED_RUN)
        query = request_data.query
        if compiled is None or not isinstance(query, str) or request_data.extensions \
                or request.method != "POST" or "application/json" not in (request.headers.get("content-type") or ""):
            return
        cost = context.extras.get(COST_KEY)
        operation = compiled.operation
        name = request_data.operation_name or (operation.name.value if operation.name else None)
        self.known.learn(query, request_data.operation_name, KnownDocument(
            document=compiled.document, operation=operation, plan=compiled.plan, name=name,
            cost=None if operation.variable_definitions or cost is None else cost["requested"]))

    async def _known_path(self, scope: Scope, receive: Receive,
                          send: Send) -> tuple[Receive, HandedOver | None] | None:
        """Serve a known query (schema.known_path). None once answered; else the receive that gives
        the whole way the body as it came, and what was already done for it (None: nothing)."""
        headers = Headers(scope=scope)
        authorization = headers.get("authorization")
        if "application/json" not in headers.get("content-type", "") or not authorization:
            return receive, None
        body = await _read_body(receive)
        if body is None:  # the client left: nobody to answer
            return None
        replay = _replaying(body, receive)
        request = Request(scope, replay)
        session = SerialSession(self.sessions())
        # The caller first, as the whole way does: a refused caller's body is never parsed.
        try:
            found = await self.gate.admit(authorization, _client_address(request),
                                          reader=session)  # type: ignore[arg-type]
        except REFUSALS as exc:
            await _close(session)
            response = refusal_response(exc, graphql_response=over_http.wants_graphql_response(request),
                                        language=language_of_request(headers, None))
            await response(scope, replay, send)
            return None
        except BaseException:
            await _close(session)
            raise
        try:
            data = request_body.envelope(body, max_depth=self.settings.max_json_depth)
        except request_body.BadRequestBody as refused:
            await _close(session)
            return replay, HandedOver(found, refused)
        handed = HandedOver(found, data)
        query, operation_name = data.get("query"), data.get("operationName")
        known = self.known.get(query, operation_name) \
            if isinstance(query, str) and not data.get("extensions") and found is not None else None
        if known is None:
            await _close(session)
            return replay, handed
        assert found is not None
        answered = await self._run_known(known, data, request, session, found.principal)
        if answered is None:
            return replay, handed
        served()
        await answered(scope, replay, send)
        return None

    async def _run_known(self, known: KnownDocument, data: dict[str, Any], request: Request,
                         session: SerialSession, principal: Any) -> Response | None:
        """The known query's response, or None to hand it over (its session then closed)."""
        settings = self.settings
        variables = data.get("variables")
        context = self._context(request, principal, session)
        schema = self.schema._schema  # type: ignore[attr-defined]
        success = False
        try:
            cost = known.cost
            if cost is None:
                cost = operation_cost(schema, known.document, known.operation, variables,
                                      max_page_size=settings.max_page_size)
            if cost > settings.max_query_cost:
                handed_over("cost")
                return None
            if argument_errors(schema, known.document, variables, settings.max_json_depth,
                               query=data["query"]):
                handed_over("arguments")
                return None
            logs.note_operation(known.name, "query")
            context.extras[COST_KEY] = {"requested": cost, "maximum": settings.max_query_cost}
            with reading_in(context.language):
                outcome = await within_time_limit(self.schema.run_plan(  # type: ignore[attr-defined]
                    known.plan, known.document, context, variables, data.get("operationName"),
                    query=data["query"]), context)
            if isinstance(outcome, OperationTimedOut):
                return await self._answer(request, ExecutionResult(data=None, errors=[outcome]))
            if outcome is None or outcome.errors:
                handed_over("not compiled" if outcome is None else "errors")
                return None
            await context.finish(success=True)
            success = True
        except Exception:  # noqa: BLE001 - the whole way meets it again, and answers it as it does
            log.debug("known path handed over a query that raised", exc_info=True)
            handed_over("raised")
            return None
        finally:
            if not success:
                await context.finish(success=False)
        return await self._answer(request, ExecutionResult(
            data=outcome.data, errors=None, extensions={"cost": context.extras[COST_KEY]}))

    async def _answer(self, request: Request, result: ExecutionResult) -> Response:
        """The response the whole way gives for this result (status, media type, body)."""
        graphql_response = over_http.wants_graphql_response(request)
        body = await self.process_result(request, result)
        return Response(encode_response(body),
                        status_code=over_http.graphql_response_status(result) if graphql_response else 200,
                        media_type=over_http.GRAPHQL_RESPONSE_JSON if graphql_response else over_http.JSON)

    async def get_sub_response(self, request: Request) -> Any:
        sub_response = await super().get_sub_response(request)
        # Remembered for execute_single and create_response, which do not see the Accept header.
        sub_response.graphql_response_json = over_http.wants_graphql_response(request)
        return sub_response

    async def process_result(self, request: Any, result: Any) -> Any:
        # Errors set by an extension do not all pass Schema.process_errors: render them here too.
        localize(result.errors or (), reading_language())
        body = await super().process_result(request, result)
        if over_http.wants_graphql_response(request) and over_http.graphql_response_status(result) >= 400:
            body.pop("data", None)
        return body

    def encode_json(self, data: object) -> str:
        # Text, not bytes: a WebSocket sends bytes as binary frames, which graphql-transport-ws forbids.
        return encode_response(data).decode()

    async def render_graphql_ide(self, request: Request) -> Any:
        return render_graphiql()

    def create_response(self, response_data: Any, sub_response: Any) -> Any:
        # The body as orjson writes it: bytes handed to the response as they are, not a str that
        # Starlette would encode again (strawberry's create_response goes through encode_json).
        media_type = (over_http.GRAPHQL_RESPONSE_JSON if getattr(sub_response, "graphql_response_json", False)
                      else over_http.JSON)
        response = Response(encode_response(response_data), status_code=sub_response.status_code or 200,
                            media_type=media_type)
        response.headers.raw.extend(sub_response.headers.raw)
        if sub_response.background:
            response.background = sub_response.background
        return response


async def _read_body(receive: Receive) -> bytes | None:
    """The whole request body, None when the client left first (BodySizeLimit, in front, refuses
    a body too large as it arrives)."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replaying(body: bytes, receive: Receive) -> Receive:
    """A receive that gives the body already read, then what the client sends next (a disconnect)."""
    given = False

    async def replay() -> AsgiMessage:
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _close(session: SerialSession) -> None:
    if session.sync_session.in_transaction():
        await session.close()


async def _close_when_expired(websocket: WebSocket, delay: float, language: str) -> None:
    """A WebSocket lives no longer than the token that opened it: the client reconnects with a new one."""
    await asyncio.sleep(max(delay, 0))
    if websocket.application_state is WebSocketState.CONNECTED:
        with contextlib.suppress(RuntimeError):
            await websocket.close(code=WS_UNAUTHORIZED, reason=_close_reason(in_language(
                Message("token expired: reconnect with a fresh token"), language)))
