"""POST /hooks/desks/{school}: a school's desk reports back, signed the Standard Webhooks way.

The body is `{"type": "ticket.commented" | "ticket.closed" | "ticket.resolved" | "ticket.linked",
"data": {"group_ref": ..., "message"?, "author"?, "local_ref"?}}`; the `webhook-id` header is the
event id (a re-sent event is applied once). Unknown school or no inbound secret: 404; a bad or
stale signature: 401; both change nothing. A bad signature counts against the client address's
failed-authentication budget (the one /graphql and /scim use): past it, 429 with Retry-After.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from standardwebhooks.webhooks import Webhook, WebhookVerificationError
from starlette.requests import Request
from starlette.responses import JSONResponse

from server.db import writer_session
from server.errors import GroupdeskError, NotFound, PermissionDenied, ValidationFailed
from server.identity.failed_auth_budget import FailedAuthBudget, RateLimited
from server.identity.models import Tenant
from server.mirror.desks import desk_of, spec_of
from server.mirror.inbound import desk_account, receive
from tenants.desks.settings import CredentialMissing, inbound_secret

log = logging.getLogger("groupdesk.mirror")
MAX_BODY = 256 * 1024


def _problem(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _rate_limited(exc: RateLimited) -> JSONResponse:
    return JSONResponse({"error": exc.message}, status_code=429,
                        headers={"Retry-After": str(exc.retry_after)})


async def desk_hook(request: Request) -> JSONResponse:
    runtime = request.app.state.runtime
    slug = request.path_params["school"]
    budget = FailedAuthBudget.of(request.scope)
    try:
        await budget.refuse_if_spent()
    except RateLimited as exc:
        return _rate_limited(exc)
    body = await request.body()
    if len(body) > MAX_BODY:
        return _problem(413, f"body larger than {MAX_BODY} bytes")
    async with runtime.sessions() as session:
        tenant = await session.scalar(select(Tenant).where(Tenant.slug == slug, Tenant.active.is_(True)))
        setting = await desk_of(session, tenant.id) if tenant is not None else None
    if tenant is None or setting is None:
        return _problem(404, f"no desk hook for {slug!r}")
    try:
        secret = inbound_secret(spec_of(setting))
    except CredentialMissing as exc:
        log.error("inbound secret of %s unreadable: %s", slug, exc)
        return _problem(503, "the school's inbound secret is not available on this server")
    if secret is None:
        return _problem(404, f"no desk hook for {slug!r}: no inbound secret is configured")
    try:
        Webhook(secret).verify(body, dict(request.headers))
    except (WebhookVerificationError, ValueError) as exc:
        try:
            await budget.count_failure()
        except RateLimited as limited:
            return _rate_limited(limited)
        return _problem(401, f"signature refused: {exc}")
    try:
        event = json.loads(body)
        data: dict[str, Any] = event.get("data") or {}
        kind = event["type"]
    except (ValueError, KeyError, TypeError, AttributeError):
        return _problem(422, 'the body must be JSON {"type": ..., "data": {"group_ref": ...}}')
    try:
        async with writer_session(runtime.sessions) as session:
            actor = await desk_account(session, tenant)
            received = await receive(
                session, actor=actor, kind=kind, event_id=request.headers["webhook-id"],
                group_ref=data.get("group_ref"), message=data.get("message"),
                author=data.get("author"), local_ref=data.get("local_ref"),
                system=data.get("system"), status=data.get("status"))
            answer = {"status": "duplicate" if received.duplicate else "applied",
                      "effect": received.effect, "group_ref": received.ticket.ref}
    except IntegrityError:
        return JSONResponse({"status": "duplicate"})  # the same event raced in: applied once
    except NotFound as exc:
        return _problem(404, exc.message)
    except PermissionDenied as exc:
        return _problem(403, exc.message)
    except ValidationFailed as exc:
        return JSONResponse({"error": exc.message,
                             "fields": {e.field: e.message for e in exc.errors}}, status_code=422)
    except GroupdeskError as exc:
        return _problem(409, exc.message)
    return JSONResponse(answer)
