"""The approval request of a ticket: who approves, its cost, how many approvals, the decisions so far."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import strawberry

from schema.catalog.types import ApproverKind
from schema.context import Info
from schema.identity.types import Role, User
from server.tickets import models
from tenants.context import Role as RoleValue


ApprovalDecision = strawberry.enum(models.ApprovalDecision, name="ApprovalDecision")


@strawberry.type(description="One approver's decision, with the comment they gave.")
class ApprovalDecisionEntry:
    approver_id: strawberry.Private[int]
    decision: ApprovalDecision
    comment: str | None
    created_at: dt.datetime

    @strawberry.field
    async def approver(self, info: Info) -> User:
        return User.from_model(await info.context.loaders.user.load(self.approver_id))


@strawberry.type(description="What approving a ticket takes, fixed when it was opened.")
class ApprovalRequest:
    approvers: ApproverKind
    role: Role | None = strawberry.field(description="The role that approves (approvers: ROLE).")
    approver_ids: strawberry.Private[list[int]]
    cost_field: str | None = strawberry.field(description="The request form's field holding the cost.")
    cost: float | None = strawberry.field(description="The cost the form gave, when it has a cost field.")
    second_approval_above: float | None = strawberry.field(
        description="Above this cost a second approver (another person) must approve too.")
    approvals_needed: int
    decisions: list[ApprovalDecisionEntry]

    @classmethod
    def of(cls, data: dict[str, Any], rows: Sequence[models.TicketApproval]) -> ApprovalRequest:
        rule = data.get("approvers") or {}
        return cls(approvers=ApproverKind(rule.get("kind", "SCHOOL_MANAGERS")), role=RoleValue(rule["role"]) if rule.get("role") else None,
                   approver_ids=list(rule.get("user_ids") or []), cost_field=data.get("cost_field"),
                   cost=data.get("cost"), second_approval_above=data.get("second_approval_above"),
                   approvals_needed=int(data.get("needed", 1)),
                   decisions=[ApprovalDecisionEntry(approver_id=r.approver_id, decision=r.decision,
                                                    comment=r.comment, created_at=r.created_at)
                              for r in rows])

    @strawberry.field(description="The named approvers (approvers: USERS).")
    async def users(self, info: Info) -> list[User]:
        return [User.from_model(await info.context.loaders.user.load(i)) for i in self.approver_ids]
