"""Groups provisioned by a school's identity provider, and their members."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, Timestamps


class UserGroup(Timestamps, Base):
    """A SCIM group of one tenant; its display name may grant roles (server/scim/group_roles.py)."""

    __tablename__ = "user_group"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    display_name: Mapped[str] = mapped_column(String(256))
    external_id: Mapped[str | None] = mapped_column(String(255), index=True)


class UserGroupMember(Base):
    """A user in a group; both belong to the same tenant (server/scim/groups.py checks it)."""

    __tablename__ = "user_group_member"

    group_id: Mapped[int] = mapped_column(ForeignKey("user_group.id", ondelete="CASCADE"),
                                          primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"),
                                         primary_key=True, index=True)
