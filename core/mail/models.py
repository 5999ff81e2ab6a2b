from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, utcnow
from core.tenancy.isolation import TenantOptional

PENDING, SENT, FAILED = "pending", "sent", "failed"


class OutboxEmail(TenantOptional, Base):
    """An email the platform owes someone. Written in the same transaction as the change that causes it and
    delivered by a job; kept after delivery, and after the last failed attempt, for admins to see."""

    __tablename__ = "outbox_emails"

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    # iCalendar invitations and other attachments: [{"filename", "content_type", "content"}]
    attachments: Mapped[list] = mapped_column(default=list)
    purpose: Mapped[str] = mapped_column(String(60), default="")
    status: Mapped[str] = mapped_column(String(10), default=PENDING, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
