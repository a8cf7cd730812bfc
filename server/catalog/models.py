"""The catalogue: brick > service > sub-service, and the experts designated on it."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, Enum, ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.db import Base, JSONType, Timestamps, UTCDateTime, utcnow


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
    default_priority: Mapped[Priority] = mapped_column(PriorityType, default=Priority.NORMAL)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    service: Mapped[Service] = relationship(lazy="raise")


class ExpertDesignation(Base):
    """A user designated as expert on a brick, a service or a sub-service (most specific wins)."""

    __tablename__ = "expert_designation"
    __table_args__ = (UniqueConstraint("user_id", "scope"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    # The brick is always set so that "experts of this brick" is one indexed lookup.
    brick_id: Mapped[int] = mapped_column(ForeignKey("brick.id"), index=True)
    service_id: Mapped[int | None] = mapped_column(ForeignKey("service.id"), index=True)
    sub_service_id: Mapped[int | None] = mapped_column(ForeignKey("sub_service.id"), index=True)
    # "brick:1", "service:4", "sub_service:9": unique per user, NULL-free unlike the three ids.
    scope: Mapped[str] = mapped_column(String(40))
    # Made by a SCIM expert-pool group (server/scim): leaving the group removes it, and only it.
    provisioned: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    @staticmethod
    def scope_of(brick_id: int, service_id: int | None, sub_service_id: int | None) -> str:
        if sub_service_id is not None:
            return f"sub_service:{sub_service_id}"
        if service_id is not None:
            return f"service:{service_id}"
        return f"brick:{brick_id}"
