"""The catalogue: brick > service > sub-service (expert designations live in server.identity.models)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, Enum, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.db import Base, JSONType, Timestamps


class Priority(StrEnum):
    LOW = "LOW"
    NORMAL = "NORMAL"
    HIGH = "HIGH"
    CRITICAL = "CRITICAL"


PriorityType = Enum(Priority, native_enum=False, length=16, create_constraint=False)

# The form a sub-service gets when none is given: any object.
EMPTY_FORM: dict[str, Any] = {"type": "object"}


class Brick(Timestamps, Base):
    __tablename__ = "brick"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Service(Timestamps, Base):
    __tablename__ = "service"
    __table_args__ = (UniqueConstraint("brick_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    brick_id: Mapped[int] = mapped_column(ForeignKey("brick.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    brick: Mapped[Brick] = relationship(lazy="raise")


class SubService(Timestamps, Base):
    __tablename__ = "sub_service"
    __table_args__ = (UniqueConstraint("service_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    form: Mapped[dict[str, Any]] = mapped_column(JSONType, default=lambda: dict(EMPTY_FORM))
    requires_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    # Who approves: {"kind": "SCHOOL_MANAGERS"} (the default when None), {"kind": "ROLE", "role": ...}
    # or {"kind": "USERS", "user_ids": [...]} (tenants.context.ApprovalRule).
    approvers: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    # The request form's field holding the cost, shown in the approval request.
    cost_field: Mapped[str | None] = mapped_column(String(100))
    # Above this cost, a second approver (another person) must approve too.
    second_approval_above: Mapped[float | None] = mapped_column(Float)
    default_priority: Mapped[Priority] = mapped_column(PriorityType, default=Priority.NORMAL)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    service: Mapped[Service] = relationship(lazy="raise")
