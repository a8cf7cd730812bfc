"""The GraphQL view: authenticates, opens the operation's session and owns its transaction."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.unset import UNSET

from schema.context import Context
from server.config import Settings
from server.identity.auth import AuthenticationFailed, Authenticator

log = logging.getLogger("groupdesk.graphql")


class GroupdeskGraphQL(GraphQL):
    def __init__(self, schema: Any, *, settings: Settings, sessions: async_sessionmaker[AsyncSession],
                 authenticator: Authenticator) -> None:
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

    async def get_context(self, request: Request | WebSocket, response: Any = None) -> Context:
        principal = None
        if isinstance(request, Request):
            principal = await self.authenticator.authenticate(request.headers.get("authorization"))
        return Context(settings=self.settings, sessions=self.sessions, principal=principal,
                       request=request, response=response,
                       request_id=request.scope.get("state", {}).get("request_id", "-"))

    async def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        try:
            return await super().run(request, context, root_value)
        except AuthenticationFailed as exc:
            return JSONResponse(
                {"errors": [{"message": exc.message,
                             "extensions": {"code": "UNAUTHENTICATED" if exc.status == 401
                                            else "FORBIDDEN"}}]},
                status_code=exc.status,
                headers={"WWW-Authenticate": 'Bearer error="invalid_token", error_description="'
                                             + exc.message.replace('"', "'") + '"'},
            )

    async def execute_single(self, request: Any, request_adapter: Any, sub_response: Any,
                             context: Context, root_value: Any, request_data: Any) -> Any:
        success = False
        try:
            result = await super().execute_single(request, request_adapter, sub_response,
                                                  context, root_value, request_data)
            success = not result.errors
            return result
        finally:
            await context.finish(success=success)

