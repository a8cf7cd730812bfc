"""Stored service levels: targets per sub-service and priority, the business calendar, escalations.

The clock columns themselves live on the ticket (server.tickets.models), where lists filter and
order on them; this module holds what they are computed from and what the sweep has done.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, Enum, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.catalog.models import Priority, PriorityType
from server.db import Base, JSONType, Timestamps, UTCDateTime, utcnow


class SlaTarget(StrEnum):
    """What a target measures: until an expert takes (or is assigned) the ticket, or resolves it."""

    TAKE = "TAKE"
    RESOLVE = "RESOLVE"


class SlaLevel(StrEnum):
    """A crossed threshold of a target: 75% of it (WARNING) or all of it (BREACHED)."""

    WARNING = "WARNING"
    BREACHED = "BREACHED"


def _enum(cls: type[StrEnum]) -> Enum:
    return Enum(cls, native_enum=False, length=16, create_constraint=False)


class ServiceLevelTarget(Timestamps, Base):
    """The business seconds a sub-service promises for one priority; None promises nothing."""

    __tablename__ = "sla_target"
    __table_args__ = (UniqueConstraint("sub_service_id", "priority"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sub_service_id: Mapped[int] = mapped_column(ForeignKey("sub_service.id"))
    priority: Mapped[Priority] = mapped_column(PriorityType)
    take_seconds: Mapped[int | None] = mapped_column(Integer)
    resolve_seconds: Mapped[int | None] = mapped_column(Integer)


class CalendarSetting(Timestamps, Base):
    """The federation's business calendar (one row, id 1): time zone, weekly hours, closures.

    `opening_hours` is {"monday": ["08:30-12:00", "13:30-17:30"], ...}; `closures` is a list of
    {"from": "2026-12-19", "to": "2027-01-03", "name": "Christmas break"} (server.sla.calendars).
    """

    __tablename__ = "sla_calendar"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    time_zone: Mapped[str] = mapped_column(String(64))
    opening_hours: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    closures: Mapped[list[Any]] = mapped_column(JSONType, default=list)


class SchoolCalendar(Timestamps, Base):
    """A school's departures from the federation's calendar: its time zone, Alsace-Moselle days."""

    __tablename__ = "sla_school_calendar"

    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), primary_key=True)
    # None: the federation's.
    time_zone: Mapped[str | None] = mapped_column(String(64))
    alsace_moselle: Mapped[bool] = mapped_column(Boolean, default=False)


class TicketEscalation(Base):
    """One threshold a ticket's clock crossed; the unique key makes a repeated sweep harmless."""

    __tablename__ = "ticket_escalation"
    __table_args__ = (UniqueConstraint("ticket_id", "target", "level"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    target: Mapped[SlaTarget] = mapped_column(_enum(SlaTarget))
    level: Mapped[SlaLevel] = mapped_column(_enum(SlaLevel))
    # The business seconds elapsed, and the target's due instant, when the sweep saw the crossing.
    elapsed_business_seconds: Mapped[float] = mapped_column(Float)
    due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
