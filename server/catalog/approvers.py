"""A sub-service's approval settings: who approves, the form's cost field, the second-approval threshold.

Checked here when a group administrator sets them (server.catalog.service.update_sub_service); the
ticket reads them when it is opened (server.tickets.approval).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.identity.models import User
from server.validation import Checks
from tenants.context import ApprovalRule, ApproverKind, Role

COST_FIELD_MAX = 100


async def checked_approvers(session: AsyncSession, checks: Checks, *, kind: str, role: str | None,
                            usernames: list[str] | None) -> dict[str, Any] | None:
    """The approvers as stored (ApprovalRule data), or None with the problems added to `checks`."""
    try:
        approver_kind = ApproverKind(kind)
    except ValueError:
        checks.add("approvers.kind", "must be one of " + ", ".join(k.value for k in ApproverKind))
        return None
    if approver_kind is ApproverKind.ROLE:
        try:
            return ApprovalRule(kind=approver_kind, role=Role(role or "")).as_data()
        except ValueError:
            checks.add("approvers.role", "a ROLE approval names one of "
                       + ", ".join(r.value for r in Role if r is not Role.DESK_INTEGRATION))
            return None
    if approver_kind is ApproverKind.USERS:
        names = sorted({n.strip() for n in usernames or [] if n.strip()})
        if not names:
            checks.add("approvers.usernames", "a USERS approval names at least one user")
            return None
        found = dict((await session.execute(select(User.username, User.id).where(
            User.username.in_(names), User.active.is_(True), User.technical.is_(False)))).all())
        missing = [n for n in names if n not in found]
        if missing:
            checks.add("approvers.usernames", "no active person named " + ", ".join(missing))
            return None
        return ApprovalRule(kind=approver_kind, user_ids=frozenset(found.values())).as_data()
    return ApprovalRule().as_data()


def check_cost(checks: Checks, form: dict[str, Any], cost_field: str | None,
               threshold: float | None) -> None:
    """The cost field must be a number field of the form; a threshold needs a cost field."""
    if cost_field is not None:
        checks.text("costField", cost_field, max_len=COST_FIELD_MAX)
        spec = (form.get("properties") or {}).get(cost_field)
        if not isinstance(spec, dict):
            checks.add("costField", f"the request form has no field {cost_field!r}")
        elif spec.get("type") not in ("number", "integer"):
            checks.add("costField", f"form field {cost_field!r} must be a number or an integer")
    if threshold is not None:
        if threshold < 0:
            checks.add("secondApprovalAbove", "must be zero or more")
        if cost_field is None:
            checks.add("secondApprovalAbove", "needs a costField: the threshold applies to the cost")
