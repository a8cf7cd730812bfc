"""The mirror's tables: each school's desk, the outbox of events, one mirror per ticket, inbound ids."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, JSONType, Timestamps, UTCDateTime, utcnow
from tenants.desks.base import DeskKind

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit id.
BigId = BigInteger().with_variant(Integer, "sqlite")
DeskKindType = Enum(DeskKind, native_enum=False, length=16, create_constraint=False,
                    values_callable=lambda e: [m.value for m in e])


class MirrorStatus(StrEnum):
    """PENDING: events wait; SYNCED: all delivered; FAILED: retrying; PAUSED: waits for an admin;
    DIVERGED: the desk's ticket is not in the state the group ticket implies (see `divergence`)."""

    PENDING = "PENDING"
    SYNCED = "SYNCED"
    FAILED = "FAILED"
    PAUSED = "PAUSED"
    DIVERGED = "DIVERGED"


class Origin(StrEnum):
    """Who caused an event: the group, or the school's desk (never sent back to it)."""

    GROUP = "GROUP"
    DESK = "DESK"


class DeskSetting(Timestamps, Base):
    """A school's local desk; credentials are references (env var, file), never values."""

    __tablename__ = "desk_setting"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), unique=True)
    kind: Mapped[DeskKind] = mapped_column(DeskKindType)
    url: Mapped[str] = mapped_column(String(500))
    # {"token": {"env": "GROUPDESK_DESK_X_TOKEN"}}: where to read each secret.
    credential_refs: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    mappings: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    timeout: Mapped[float] = mapped_column(Float, default=10.0)


class OutboxEvent(Base):
    """One change a school must see, written in the transaction of the change itself."""

    __tablename__ = "outbox_event"
    __table_args__ = (
        # The relay's question: the oldest undelivered event of a ticket.
        Index("ix_outbox_event_ticket_pending", "ticket_id", "delivered_at", "id"),
        Index("ix_outbox_event_delivered_at", "delivered_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"))
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    # A self-contained snapshot (DeskTicket fields, message, author): delivery needs no ORM object.
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    origin: Mapped[Origin] = mapped_column(Enum(Origin, native_enum=False, length=8,
                                                create_constraint=False))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Failed attempts at delivering this event.
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


class Mirror(Timestamps, Base):
    """The pair (group ticket, local ticket) and its sync state."""

    __tablename__ = "mirror"
    __table_args__ = (Index("ix_mirror_status_next_attempt_at", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), unique=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    desk_kind: Mapped[DeskKind] = mapped_column(DeskKindType)
    remote_id: Mapped[str | None] = mapped_column(String(100))
    remote_ref: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[MirrorStatus] = mapped_column(
        Enum(MirrorStatus, native_enum=False, length=16, create_constraint=False),
        default=MirrorStatus.PENDING)
    last_error: Mapped[str | None] = mapped_column(Text)
    # Failed attempts since the last success (what the retry policy counts).
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_synced_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # When the next delivery may start (backoff after a failure); NULL: now.
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # A delivery's claim: who holds the ticket and until when (a crashed worker's claim expires).
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # What the last poll found on the desk, and why it differs from the group ticket (DIVERGED).
    local_state: Mapped[str | None] = mapped_column(String(32))
    divergence: Mapped[str | None] = mapped_column(Text)
    # The school closed its local ticket while the group ticket was still open.
    local_closed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class InboundEvent(Base):
    """An event a desk sent us, kept by its id so that a re-sent one is applied once."""

    __tablename__ = "inbound_event"
    __table_args__ = (UniqueConstraint("tenant_id", "event_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    event_id: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"))
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Installation(Base):
    """This groupdesk installation's identity, written into every marker it leaves on a desk.

    One row, made by the first migration that knows it; GROUPDESK_INSTALLATION_ID overrides it
    (a restored copy that must keep speaking as the original, or one that must not).
    """

    __tablename__ = "installation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    identity: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class DeskPoll(Base):
    """Where the poll of a school's desk stands: its cursor moves only with what it committed."""

    __tablename__ = "desk_poll"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), unique=True)
    # The desk's own notion of "since" (iTop: its local 'Y-m-d H:i:s'; GLPI: date_mod).
    cursor: Mapped[str | None] = mapped_column(String(40))
    polled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    # Changes applied by the last poll, for operators.
    applied: Mapped[int] = mapped_column(Integer, default=0)
