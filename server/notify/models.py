"""In-app notifications, the mail outbox, and each person's notification preferences."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, Enum, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, JSONType, UTCDateTime, utcnow


class DigestPeriod(StrEnum):
    """How a person takes their mails: one per notification, or one per hour or day gathering them."""

    NONE = "NONE"
    HOURLY = "HOURLY"
    DAILY = "DAILY"


DIGEST_SECONDS = {DigestPeriod.HOURLY: 3600, DigestPeriod.DAILY: 86_400}


class Notification(Base):
    """One thing a person is told in the app (the bell); written with the change that caused it."""

    __tablename__ = "notification"
    __table_args__ = (
        # A person's list, newest first, and their unread count.
        Index("ix_notification_user_id_id", "user_id", "id"),
        Index("ix_notification_user_id_read_at", "user_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("ticket_event.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    # What the bell shows without loading the ticket: ref, title, actor, a short text.
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class MailOutbox(Base):
    """One mail to send, written in the transaction of the change; delivery reads it, at least once."""

    __tablename__ = "mail_outbox"
    __table_args__ = (
        # The deliverer's question: what is unsent and due.
        Index("ix_mail_outbox_sent_at_next_attempt_at", "sent_at", "next_attempt_at"),
        Index("ix_mail_outbox_user_id_held", "user_id", "held"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # None for a requester known only by the e-mail the school gave.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    address: Mapped[str] = mapped_column(String(320))
    language: Mapped[str] = mapped_column(String(8))
    # A self-contained snapshot (ref, title, what happened, the text): sending loads no ticket.
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    # Kept for its reader's digest instead of being sent alone.
    held: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Sent, or gathered into a digest (then `digest_id` names the digest's row).
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    digest_id: Mapped[int | None] = mapped_column(ForeignKey("mail_outbox.id"))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    claimed_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    # Retries exhausted: kept, with its last error, for an operator to see; never sent again.
    failed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class NotificationPreference(Base):
    """A person's choices: the kinds of mail they turned off, and their digest period."""

    __tablename__ = "notification_preference"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True)
    muted_kinds: Mapped[list[str]] = mapped_column(JSONType, default=list)
    digest: Mapped[DigestPeriod] = mapped_column(
        Enum(DigestPeriod, native_enum=False, length=8, create_constraint=False),
        default=DigestPeriod.NONE)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
