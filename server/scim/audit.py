"""What a tenant's SCIM provider changed, in the audit trail; people it disables or deletes leave.

The storage calls these around each write, in the request's transaction; the endpoint records a
refused request (`record_error`) after undoing whatever it had started, with the request id the
access log names, so a provisioning error is found by the people who read the trail.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from server.audit.record import changed, record
from server.identity.departures import Departure, announce
from server.identity.models import User
from tenants.context import Provisioner

# What the trail shows of a provisioned user (never the raw SCIM payload).
USER_FIELDS = ("username", "email", "display_name", "active", "role_names", "external_id", "department")


def user_state(user: User | None) -> dict[str, Any]:
    if user is None:
        return {}
    return {name: getattr(user, name) for name in USER_FIELDS}


async def user_written(session: AsyncSession, actor: Provisioner, verb: str, user: User,
                       before: dict[str, Any]) -> None:
    """Audit a user the provider created, updated or deleted; announce a person it took away."""
    after = user_state(user)
    changes = changed(before, after)
    if verb == "updated" and not changes:
        return
    await record(session, actor=actor, action=f"scim.user.{verb}", target_kind="user", target_id=user.id,
                 tenant_id=actor.tenant_id, changes={"username": user.username, **changes})
    if before.get("active") and not user.active:
        why = "was deleted" if verb == "deleted" else "was disabled"
        await announce(session, Departure(user.id, user.username,
                                          f"{why} by {actor.tenant_slug}'s SCIM provider"))


async def group_written(session: AsyncSession, actor: Provisioner, verb: str, group_id: object,
                        name: str | None, members: dict[str, Any] | None = None) -> None:
    await record(session, actor=actor, action=f"scim.group.{verb}", target_kind="group",
                 target_id=group_id, tenant_id=actor.tenant_id,
                 changes={"display_name": name, **({"members": members} if members else {})})


async def record_error(session: AsyncSession, actor: Provisioner, *, method: str, path: str, status: int,
                       detail: str | None) -> None:
    """A request the provider sent that groupdesk refused (4xx), for the tenant's audit trail."""
    await record(session, actor=actor, action="scim.error", target_kind="scim_request",
                 target_id=f"{method.upper()} {path}"[:64], tenant_id=actor.tenant_id,
                 changes={"status": status, "detail": (detail or "")[:2000], "method": method.upper(),
                          "path": path[:500]})
