"""One row per administrative change: who, when, which tenant, what changed, through which credential.

Audit sits below every other domain (identity, catalogue, SCIM, tickets, mirror write into it), so it
names their tables by name only and imports none of them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, JSONType, UTCDateTime, utcnow


class AuditEvent(Base):
    __tablename__ = "audit_event"
    __table_args__ = (
        # Newest first, by keyset pages; a school manager's list is one tenant's.
        Index("ix_audit_event_created_at_id", "created_at", "id"),
        Index("ix_audit_event_tenant_id_created_at", "tenant_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # `user.moved`, `catalog.brick.created`, `scim.user.updated`, `scim.error`... (server.audit.record).
    action: Mapped[str] = mapped_column(String(64), index=True)
    # The tenant the change concerns (the user's school, the token's tenant); None: the whole group's.
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenant.id"))
    # Who: a user (SSO or API token), a tenant's SCIM provider, or the operator at the command line.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    actor_name: Mapped[str] = mapped_column(String(200))
    # Through which credential: SSO, API_TOKEN, SCIM_TOKEN or OPERATOR, and the token when one.
    credential: Mapped[str] = mapped_column(String(16))
    api_token_id: Mapped[int | None] = mapped_column(ForeignKey("api_token.id"))
    # What was changed: a kind (`user`, `brick`, `designation`...) and its id.
    target_kind: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[str | None] = mapped_column(String(64))
    # Field by field, {"field": {"from": ..., "to": ...}}, or what was created or refused.
    changes: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # The request that made the change, as the access log names it.
    request_id: Mapped[str | None] = mapped_column(String(64))
