from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, utcnow
from core.tenancy.isolation import TenantScoped


class PeriodicRun(Base):
    """One run of one periodic job for one tenant (or the platform) at one scheduled time.

    The unique constraint is the lock: however many schedulers tick, a scheduled run happens once.
    """

    __tablename__ = "periodic_runs"
    __table_args__ = (UniqueConstraint("job", "tenant_id", "scheduled_for"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(100))
    # Platform jobs use tenant 0's absence: NULLs never collide in a unique constraint, so 0 stands in.
    tenant_id: Mapped[int] = mapped_column(default=0)
    scheduled_for: Mapped[datetime]
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    error: Mapped[str] = mapped_column(String(2000), default="")


class SentReminder(TenantScoped, Base):
    """A reminder that has gone out, by a key naming what it is about and when it is due, so that a sweep
    that runs twice (a retry, a second scheduler) never sends it twice."""

    __tablename__ = "sent_reminders"
    __table_args__ = (UniqueConstraint("tenant_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
