"""The /scim/v2 ASGI application: a SCIM token, then one transaction per request.

scim2-server does the protocol (routing, validation, PATCH, filters, responses); this module gives
each request a session and a storage bound to the token's tenant, and commits when it succeeds.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING

from scim2_models import ForbiddenException, ScimProvider, UnauthorizedException
from scim2_server.applications.asgi import ASGIApplication
from scim2_server.applications.base import BaseApplication
from scim2_server.handler import AsyncScimHandler
from scim2_server.requests import ScimRequest
from scim2_server.responses import ScimResponse
from scim2_server.service import ScimService
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.types import Receive, Scope, Send

from server.db import writer_session
from server.identity.api_tokens import authenticate_api_token, wrong_purpose
from server.identity.models import ApiTokenPurpose, Tenant, User
from server.outages import outage_of, scim_unavailable_body
from server.scim.resources import PROVIDER
from server.scim.storage import SqlScimStorage
from tenants.context import Provisioner


class ScimEndpoint(ASGIApplication):
    """Mounted at /scim: serves /scim/v2/Users, /Groups and the discovery endpoints."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, group_prefix: str,
                 provider: ScimProvider = PROVIDER) -> None:
        # No storage shared between requests: each request gets its own (see dispatch_request),
        # so the parent's constructor, which builds one handler for all, is skipped.
        BaseApplication.__init__(self, provider, ScimService(provider))
        self.sessions = sessions
        self.group_prefix = group_prefix

    if TYPE_CHECKING:
        # scim2-server spells the ASGI types with dict where Starlette (as ASGI) passes any mapping.
        async def __call__(  # type: ignore[override]
                self, scope: Scope, receive: Receive, send: Send) -> None: ...

    async def dispatch_request(self, request: ScimRequest) -> ScimResponse:
        if not self.needs_auth(request):
            # The ServiceProviderConfig is public (RFC 7643 §5): no token, no database.
            return self.service.service_provider_config(request.url, request.query)
        # A writer from the start: the token's last use may be recorded, and most calls write.
        async with writer_session(self.sessions) as session:
            actor = await provisioner_of(session, request.header("Authorization"))
            storage = SqlScimStorage(session, actor, group_prefix=self.group_prefix)
            return await AsyncScimHandler(self.service, storage).handle(request)

    def handle_exception(self, request: ScimRequest, exception: Exception) -> ScimResponse:
        """An outage is a 503 the IdP retries (server.outages adds Retry-After), not a 500 bug."""
        outage = outage_of(exception)
        if outage is None:
            return super().handle_exception(request, exception)
        self.log.warning("SCIM request failed: %s is unavailable", outage.dependency)
        return ScimResponse(HTTPStatus.SERVICE_UNAVAILABLE, body=scim_unavailable_body(outage))


async def provisioner_of(session: AsyncSession, authorization: str | None) -> Provisioner:
    """The tenant a SCIM token provisions; 401 for a missing, unknown or revoked token."""
    scheme, _, raw = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        raise UnauthorizedException(detail="a SCIM token is required: 'Authorization: Bearer <token>'")
    token = await authenticate_api_token(session, raw.strip(), purpose=ApiTokenPurpose.SCIM)
    if token is None:
        why = await wrong_purpose(session, raw.strip(), expected=ApiTokenPurpose.SCIM)
        raise UnauthorizedException(detail=why or "unknown or revoked SCIM token")
    tenant = await session.get(Tenant, token.tenant_id)
    account = await session.get(User, token.user_id)
    assert tenant is not None and account is not None  # foreign keys
    if not tenant.active:
        raise ForbiddenException(detail=f"tenant {tenant.slug} is deactivated")
    if not account.active or account.tenant_id != tenant.id:
        raise ForbiddenException(detail=f"the token's account {account.username} is deactivated")
    return Provisioner(tenant_id=tenant.id, tenant_slug=tenant.slug, tenant_kind=tenant.kind,
                       token_id=token.id)
