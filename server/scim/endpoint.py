"""The /scim/v2 ASGI application: a SCIM token, then one transaction per request.

scim2-server does the protocol (routing, validation, PATCH, filters, responses); this module gives
each request a session and a storage bound to the token's tenant, and commits when it succeeds.
A wrong token counts against the client address's failed-authentication budget (the one /graphql
uses): past it, the address gets 429 with Retry-After before its token is looked at.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any, cast

from scim2_models import ForbiddenException, SCIMException, ScimProvider, UnauthorizedException
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
from server.identity.failed_auth_budget import FailedAuthBudget, RateLimited
from server.identity.models import ApiTokenPurpose, Tenant, User
from server.outages import SCIM_ERROR, outage_of, scim_unavailable_body
from server.scim.resources import PROVIDER
from server.scim.audit import record_error
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

    # scim2-server spells the ASGI types with dict where Starlette (as ASGI) passes any mapping.
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:  # type: ignore[override]
        # The same objects under scim2-server's narrower annotations.
        scim_scope, scim_receive = cast(dict[str, Any], scope), cast(Any, receive)
        if scope["type"] != "http":
            await super().__call__(scim_scope, scim_receive, cast(Any, send))
            return
        request = await self.read_request(scim_scope, scim_receive)
        budget = FailedAuthBudget.of(scope)
        # As on /graphql: a request without a credential is neither refused nor counted.
        presented = bool(request.header("Authorization"))
        try:
            if presented:
                await budget.refuse_if_spent()
            response = await self.serve(request)
            # Only a wrong token answers 401 (provisioner_of).
            if presented and response.status == HTTPStatus.UNAUTHORIZED:
                await budget.count_failure()
        except RateLimited as exc:
            response = self.finalize_response(request, rate_limited(exc))
        await self.send_response(response, send)

    async def dispatch_request(self, request: ScimRequest) -> ScimResponse:
        if not self.needs_auth(request):
            # The ServiceProviderConfig is public (RFC 7643 §5): no token, no database.
            return self.service.service_provider_config(request.url, request.query)
        # A writer from the start: the token's last use may be recorded, and most calls write.
        async with writer_session(self.sessions) as session:
            actor = await provisioner_of(session, request.header("Authorization"))
            storage = SqlScimStorage(session, actor, group_prefix=self.group_prefix)
            # A refused request changes nothing, but the refusal goes into the tenant's audit trail.
            attempt = await session.begin_nested()
            try:
                response = await AsyncScimHandler(self.service, storage).handle(request)
            except SCIMException as exc:
                response = self.handle_exception(request, exc)
            if response.status < HTTPStatus.BAD_REQUEST:
                await attempt.commit()
                return response
            await attempt.rollback()
            if request.method.upper() != "GET":  # a look-up that found nothing is no provisioning error
                detail = (response.body or {}).get("detail")
                await record_error(session, actor, method=request.method, path=request.path,
                                   status=int(response.status), detail=str(detail) if detail else None)
            return response

    def handle_exception(self, request: ScimRequest, exception: Exception) -> ScimResponse:
        """An outage is a 503 the IdP retries (server.outages adds Retry-After), not a 500 bug."""
        outage = outage_of(exception)
        if outage is None:
            return super().handle_exception(request, exception)
        self.log.warning("SCIM request failed: %s is unavailable", outage.dependency)
        return ScimResponse(HTTPStatus.SERVICE_UNAVAILABLE, body=scim_unavailable_body(outage))


def rate_limited(exc: RateLimited) -> ScimResponse:
    body: dict[str, Any] = {"schemas": [SCIM_ERROR], "status": "429", "detail": exc.message}
    return ScimResponse(HTTPStatus.TOO_MANY_REQUESTS, body=body, headers={"Retry-After": str(exc.retry_after)})


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
