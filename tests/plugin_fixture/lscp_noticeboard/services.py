from __future__ import annotations

from datetime import date

from marshmallow import Schema, ValidationError, fields, validate, validates
from sqlalchemy import func, select

from core.db import db
from lscp_noticeboard.models import Notice, Reminder


class NoticeboardSettings(Schema):
    heading = fields.String(load_default="Notices", validate=validate.Length(min=1, max=60),
                            metadata={"label": "Heading", "description": "What the panel and menu are called"})
    max_notices = fields.Integer(load_default=5, validate=validate.Range(min=1, max=50),
                                 metadata={"label": "Notices on the dashboard"})

    @validates("heading")
    def _not_shouting(self, value, **_):
        if value.isupper() and len(value) > 3:
            raise ValidationError("write the heading in sentence case")


class NoticeSchema(Schema):
    id = fields.Integer(dump_only=True)
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    body = fields.String(load_default="")
    posted_on = fields.Date(load_default=None)


def post_notice(title: str, body: str = "", posted_on: date | None = None) -> Notice:
    notice = Notice(title=title, body=body, posted_on=posted_on)
    db.session.add(notice)
    db.session.flush()
    return notice


def count_notices() -> int:
    return db.session.scalar(select(func.count()).select_from(Notice))


def remind(tenant, settings, today):
    """The periodic job: one reminder row per day, whatever the number of runs."""
    if db.session.scalar(select(Reminder.id).where(Reminder.day == today)) is None:
        db.session.add(Reminder(day=today))
