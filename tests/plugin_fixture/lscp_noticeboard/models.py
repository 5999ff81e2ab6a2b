from __future__ import annotations

from datetime import date

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base
from core.tenancy.isolation import OfferScoped, TenantScoped
from core.tenancy.models import LocalAuthority

EXTERNAL = {"external": True}  # not in the platform's migrations: the tests create these tables


class Notice(TenantScoped, Base):
    __tablename__ = "noticeboard_notices"
    __table_args__ = {"info": EXTERNAL}

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    posted_on: Mapped[date | None]
    local_authority_id: Mapped[int | None] = mapped_column(ForeignKey("local_authorities.id"))

    local_authority: Mapped[LocalAuthority | None] = relationship()
    comments: Mapped[list[Comment]] = relationship(back_populates="notice", cascade="all, delete-orphan",
                                                   order_by="Comment.id")


class Comment(TenantScoped, Base):
    __tablename__ = "noticeboard_comments"
    __table_args__ = {"info": EXTERNAL}

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("noticeboard_notices.id"))
    text: Mapped[str] = mapped_column(String(500))

    notice: Mapped[Notice] = relationship(back_populates="comments")


class SharedNotice(OfferScoped, Base):
    """A notice a coordinating partnership posts to every member of a shared offer."""

    __tablename__ = "noticeboard_shared_notices"
    __table_args__ = {"info": EXTERNAL}

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))


class Reminder(TenantScoped, Base):
    """Written by the periodic job, once per tenant per day."""

    __tablename__ = "noticeboard_reminders"
    __table_args__ = {"info": EXTERNAL}

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date]
