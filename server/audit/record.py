"""Writing audit rows: in the change's own session and transaction, so a rolled-back change leaves none.

Every service that makes an administrative change calls `record` after it flushed the change; the row
commits or rolls back with it. SCIM provisioning errors are the one exception: the change itself was
refused, so the SCIM endpoint records the error in a transaction of its own (`record_refusal`).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from server.audit.models import AuditEvent
from server.db import utcnow
from server.logs import current_request
from tenants.context import Operator, Principal, Provisioner

Actor = Principal | Provisioner | Operator


class Credential(StrEnum):
    """How the actor proved who it was."""

    SSO = "SSO"
    API_TOKEN = "API_TOKEN"
    SCIM_TOKEN = "SCIM_TOKEN"
    OPERATOR = "OPERATOR"


def _who(actor: Actor) -> tuple[int | None, str, Credential, int | None]:
    """(user id, name shown, credential, API token id) of an actor."""
    if isinstance(actor, Principal):
        credential = Credential.API_TOKEN if actor.api_token_id is not None else Credential.SSO
        return actor.user_id, actor.username, credential, actor.api_token_id
    if isinstance(actor, Provisioner):
        return None, f"SCIM provider of {actor.tenant_slug}", Credential.SCIM_TOKEN, actor.token_id
    return None, actor.name, Credential.OPERATOR, None


def request_id() -> str | None:
    """The id of the request being served (as its log lines carry it), if any."""
    facts = current_request.get()
    return facts.request_id if facts is not None else None


def changed(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """The fields whose value differs, each as {"from": old, "to": new}."""
    return {name: {"from": before.get(name), "to": value} for name, value in after.items()
            if before.get(name) != value}


def plain(value: Any) -> Any:
    """A value as JSON can hold it (enums by value, sets sorted, anything else as text)."""
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, set | frozenset | tuple | list):
        items = [plain(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


async def record(session: AsyncSession, *, actor: Actor, action: str, target_kind: str,
                 target_id: object = None, tenant_id: int | None = None,
                 changes: Mapping[str, Any] | None = None) -> AuditEvent:
    """Add one audit row to the session's transaction (flushed, never committed)."""
    actor_id, name, credential, token_id = _who(actor)
    event = AuditEvent(
        created_at=utcnow(), action=action, tenant_id=tenant_id, actor_id=actor_id,
        actor_name=name[:200], credential=credential.value, api_token_id=token_id,
        target_kind=target_kind, target_id=None if target_id is None else str(target_id)[:64],
        changes=plain(dict(changes or {})), request_id=request_id())
    session.add(event)
    await session.flush()
    return event
