"""Service level types: a ticket's SLA, a sub-service's targets and its estimated delay."""

from __future__ import annotations

import datetime as dt

import strawberry

from schema.catalog.types import Priority
from server.sla import models, status
from server.tickets import models as ticket_models

SlaState = strawberry.enum(ticket_models.SlaState, name="SlaState",
                           description="OK; WARNING once 75% of a target's business time is spent; "
                                       "BREACHED once a target is missed.")
DelayBasis = strawberry.enum(status.DelayBasis, name="DelayBasis",
                             description="RECENT_MEDIAN: the median of the last 90 days' tickets "
                                         "(5 at least); TARGET: the target at the default priority.")


@strawberry.type(name="TicketSla", description="The ticket's service level clock, read now. It "
                 "runs on the school's business calendar and stops while the ticket waits for "
                 "approval, waits on the school (PENDING), and once it is resolved.")
class TicketSla:
    take_due_at: dt.datetime | None = strawberry.field(description=(
        "When an expert must have the ticket; fixed once taken, null while the clock is stopped "
        "before that or when there is no target."))
    resolve_due_at: dt.datetime | None = strawberry.field(description=(
        "When the ticket must be resolved; null while the clock is stopped or without target."))
    elapsed_business_seconds: int = strawberry.field(
        description="Business time on the clock so far.")
    state: SlaState
    running: bool = strawberry.field(description="Whether the clock runs now.")

    @classmethod
    def from_status(cls, s: status.TicketSla) -> TicketSla:
        return cls(take_due_at=s.take_due_at, resolve_due_at=s.resolve_due_at,
                   elapsed_business_seconds=s.elapsed_business_seconds, state=s.state,
                   running=s.running)


@strawberry.type(description="What a sub-service promises at one priority, in business minutes.")
class ServiceLevelTarget:
    priority: Priority
    take_minutes: int | None = strawberry.field(description="Until an expert has the ticket.")
    resolve_minutes: int | None = strawberry.field(description="Until the ticket is resolved.")

    @classmethod
    def from_model(cls, m: models.ServiceLevelTarget) -> ServiceLevelTarget:
        return cls(priority=m.priority,
                   take_minutes=None if m.take_seconds is None else m.take_seconds // 60,
                   resolve_minutes=None if m.resolve_seconds is None else m.resolve_seconds // 60)


@strawberry.type(description="What a school can expect before opening a ticket on a sub-service.")
class EstimatedDelay:
    take_business_seconds: int | None = strawberry.field(
        description="Business time until an expert takes a new ticket.")
    resolve_business_seconds: int | None = strawberry.field(
        description="Business time until it is resolved.")
    taken_by: dt.datetime | None = strawberry.field(
        description="When a ticket opened now would be taken, on the viewer's school calendar.")
    basis: DelayBasis
    sample_size: int = strawberry.field(
        description="Tickets taken in the last 90 days the median was drawn from.")
