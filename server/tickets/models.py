"""Group tickets, their human-ref counter, comments and history."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, Computed, Enum, Float, ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.catalog.models import Priority, PriorityType
from server.db import Base, JSONType, UTCDateTime, utcnow
from server.tickets.workflow import TicketState


class Visibility(StrEnum):
    """Who reads a comment or a history event: the school too, or group staff only."""

    PUBLIC = "PUBLIC"
    INTERNAL = "INTERNAL"


class CommentSource(StrEnum):
    """Where a comment was written: in groupdesk, or in the school's local desk (mirrored in)."""

    GROUP = "GROUP"
    DESK = "DESK"


class EventKind(StrEnum):
    """What a history event records; every change to a ticket is one of these."""

    OPENED = "OPENED"
    ROUTED = "ROUTED"                  # automatic routing: an expert, or the brick's queue
    ASSIGNED = "ASSIGNED"              # a group admin assigned or reassigned
    TAKEN = "TAKEN"                    # a designated expert took it from the queue
    STATE_CHANGED = "STATE_CHANGED"    # work started, or resumed by the assignee
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    PUT_ON_HOLD = "PUT_ON_HOLD"        # waiting on the school, with the question
    ANSWERED = "ANSWERED"              # the school answered and the work resumes
    RESOLVED = "RESOLVED"
    REOPENED = "REOPENED"
    CLOSED = "CLOSED"
    PRIORITY_CHANGED = "PRIORITY_CHANGED"
    ESCALATED = "ESCALATED"
    COMMENTED = "COMMENTED"
    RESOLVED_LOCALLY = "RESOLVED_LOCALLY"  # the school's desk resolved its local ticket
    CLOSED_LOCALLY = "CLOSED_LOCALLY"      # the school's desk closed it while the group works on
    FULFILMENT = "FULFILMENT"              # automation reported where the request's fulfilment is


class SlaState(StrEnum):
    """How a ticket stands against its service level targets: the worst of them."""

    OK = "OK"
    WARNING = "WARNING"      # 75% of a target's business time is spent
    BREACHED = "BREACHED"    # a target was missed


# Lists ordered by due time page on a non-null key: a ticket with no running clock sorts last.
NO_DUE_TIME = dt.datetime(9999, 12, 31, tzinfo=dt.UTC)


TITLE_MAX = 200
# Descriptions, comments, reasons and solutions: long logs get pasted, books do not.
TEXT_MAX = 20_000
LOCAL_REF_MAX = 64
FULFILMENT_SYSTEM_MAX = 64
FULFILMENT_CODE_MAX = 32


def _enum(cls: type[StrEnum], length: int) -> Enum:
    return Enum(cls, native_enum=False, length=length, create_constraint=False)


# Priorities by urgency: ordering by the stored name would put CRITICAL before HIGH before LOW.
PRIORITY_RANK: dict[Priority, int] = {p: rank for rank, p in enumerate(
    (Priority.LOW, Priority.NORMAL, Priority.HIGH, Priority.CRITICAL))}
_PRIORITY_RANK_SQL = ("CASE priority "
                      + " ".join(f"WHEN '{p.value}' THEN {r}" for p, r in PRIORITY_RANK.items())
                      + " END")


class Ticket(Base):
    __tablename__ = "ticket"
    __table_args__ = (
        # Keyset pagination orders by (created_at, id) or (updated_at, id).
        Index("ix_ticket_created_at_id", "created_at", "id"),
        Index("ix_ticket_updated_at_id", "updated_at", "id"),
        Index("ix_ticket_priority_rank_id", "priority_rank", "id"),
        Index("ix_ticket_assignee_id_state", "assignee_id", "state"),
        Index("ix_ticket_assignee_id_assigned_at", "assignee_id", "assigned_at"),
        Index("ix_ticket_sla_due_key_id", "sla_due_key", "id"),
        Index("ix_ticket_sla_state_id", "sla_state", "id"),
        # stats count each figure by its own instant within a period (server/reports/stats.py).
        Index("ix_ticket_taken_at", "taken_at"),
        Index("ix_ticket_resolved_at", "resolved_at"),
        Index("ix_ticket_closed_at", "closed_at"),
        Index("ix_ticket_fulfilment_status_id", "fulfilment_status", "id"),
        Index("ix_ticket_fulfilment_error_id", "fulfilment_error", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str] = mapped_column(String(32), unique=True)
    # The school the ticket is for (also when the operations centre opened it).
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    opened_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    sub_service_id: Mapped[int] = mapped_column(ForeignKey("sub_service.id"), index=True)
    # Denormalised from the sub-service so that filters and visibility need no joins.
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"), index=True)
    brick_id: Mapped[int] = mapped_column(ForeignKey("brick.id"), index=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    description: Mapped[str] = mapped_column(Text, default="")
    priority: Mapped[Priority] = mapped_column(PriorityType, index=True)
    # Computed by the database, so that "most urgent first" pages on an index; never read it from
    # a loaded ticket (it is stale after a priority change), use PRIORITY_RANK[ticket.priority].
    priority_rank: Mapped[int] = mapped_column(
        SmallInteger, Computed(_PRIORITY_RANK_SQL, persisted=True),
        deferred=True, deferred_raiseload=True)
    state: Mapped[TicketState] = mapped_column(_enum(TicketState, 24), index=True)
    request_data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # The ticket number in the school's own desk, when the school gave it.
    local_ref: Mapped[str | None] = mapped_column(String(LOCAL_REF_MAX))
    requester_name: Mapped[str | None] = mapped_column(String(200))
    requester_email: Mapped[str | None] = mapped_column(String(320))
    # Indexed with the state and with assigned_at (below): an expert's open tickets (myQueue,
    # routing's load) and their latest assignment (routing's recency) are read from the index.
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    assigned_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # A flag with a level, not a state: 0 is not escalated.
    escalation_level: Mapped[int] = mapped_column(Integer, default=0, index=True)
    solution: Mapped[str | None] = mapped_column(Text)
    # What approving this ticket takes, fixed when it was opened (server.tickets.approval): who
    # approves, the cost read from the form, and how many approvals that cost needs.
    approval: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    # Starts at 1, +1 on every change; writers send the version they saw (see tickets.locking).
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    # Service levels, kept by server.sla on every history event and by its sweep (see its docs).
    # The targets in force (business seconds; None: no target), copied from the sub-service's.
    take_target_seconds: Mapped[int | None] = mapped_column(Integer)
    resolve_target_seconds: Mapped[int | None] = mapped_column(Integer)
    # Business seconds the clock ran until `sla_running_since`; None there: the clock is stopped
    # (waiting for approval, PENDING, resolved, closed, rejected).
    sla_elapsed_seconds: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    sla_running_since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The first time an expert had it (routing, assignment or take), and the clock then.
    taken_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    take_business_seconds: Mapped[int | None] = mapped_column(Integer)
    # Business seconds on the clock at the (latest) resolution; cleared by a reopening.
    resolve_business_seconds: Mapped[int | None] = mapped_column(Integer)
    # When each target falls due; fixed once met, None while its clock is stopped.
    take_due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    resolve_due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    sla_state: Mapped[SlaState] = mapped_column(_enum(SlaState, 16), default=SlaState.OK,
                                                server_default=SlaState.OK.value)
    # The next instant a running clock crosses 75% or 100% of a target: what the sweep looks for.
    sla_check_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    # The next due instant of a running clock, NO_DUE_TIME when none: lists order on it.
    sla_due_key: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=NO_DUE_TIME)

    # Fulfilment as automation (a deployment tool) last reported it (server.tickets.fulfilment):
    # which system, a status of the federation's list, its words; None until it reports.
    fulfilment_system: Mapped[str | None] = mapped_column(String(FULFILMENT_SYSTEM_MAX))
    fulfilment_status: Mapped[str | None] = mapped_column(String(FULFILMENT_CODE_MAX))
    # Copied from the status list when set, so that lists filter errors without a join.
    fulfilment_error: Mapped[bool | None] = mapped_column(Boolean)
    fulfilment_message: Mapped[str | None] = mapped_column(Text)
    fulfilment_updated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class TicketCounter(Base):
    """The last ref number given per (scope, year), bumped in the opening transaction: gapless."""

    __tablename__ = "ticket_counter"

    scope: Mapped[str] = mapped_column(String(16), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class ExpertLoad(Base):
    """An expert's open tickets (assigned, in progress or pending), what routing compares.

    Kept by database triggers on `ticket` (migration 0021), in the transaction of every change to a
    ticket's assignee or state, whoever writes it: routing reads one row per candidate instead of
    counting thousands of tickets. No row: no open ticket yet.
    """

    __tablename__ = "expert_load"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"),
                                         primary_key=True)
    open_tickets: Mapped[int] = mapped_column(Integer)


class TicketComment(Base):
    __tablename__ = "ticket_comment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    visibility: Mapped[Visibility] = mapped_column(_enum(Visibility, 16))
    source: Mapped[CommentSource] = mapped_column(_enum(CommentSource, 16),
                                                  default=CommentSource.GROUP)
    # The API token the author wrote through (a desk's technical account); None for a person's login.
    api_token_id: Mapped[int | None] = mapped_column(ForeignKey("api_token.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class TicketEvent(Base):
    """One entry of a ticket's history; written only by server.tickets.history.record."""

    __tablename__ = "ticket_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    kind: Mapped[EventKind] = mapped_column(_enum(EventKind, 24))
    # None for the system (routing, auto-close).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    visibility: Mapped[Visibility] = mapped_column(_enum(Visibility, 16))
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # The API token the actor acted through; None for a person's login or the system.
    api_token_id: Mapped[int | None] = mapped_column(ForeignKey("api_token.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ApprovalDecision(StrEnum):
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


class TicketApproval(Base):
    """One approver's decision on a ticket waiting for approval, with the comment they gave."""

    __tablename__ = "ticket_approval"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    approver_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    decision: Mapped[ApprovalDecision] = mapped_column(_enum(ApprovalDecision, 16))
    comment: Mapped[str | None] = mapped_column(Text)
    api_token_id: Mapped[int | None] = mapped_column(ForeignKey("api_token.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class FulfilmentStatus(Base):
    """One status of the federation's fulfilment list (the federation file's `fulfilment:`)."""

    __tablename__ = "fulfilment_status"

    code: Mapped[str] = mapped_column(String(FULFILMENT_CODE_MAX), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # An error notifies the assignee and shows in the `fulfilmentError` filter.
    error: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)
