"""The daily sweep: reminders of overdue referrals, stale cases and records due for review or removal.

Each thing found has a key (``lado:overdue:<case id>:<months>``, ``lado:stale:<case id>:<day of the last
activity>``, ``lado:review:<case id>:<review date>``) recorded as a sent reminder when it is first emailed,
so a run on the same day, or the next day, says nothing twice; new activity on a stale case, or a new review
date, gives a new key. Everything newly found goes to each recipient in one email per run, naming case
references and dates only: email leaves the platform, so it never carries a name or the allegation.

Recipients are the settings' ``reminder_emails`` (who get every case), or else the active members holding
the ``lado_officer`` role, each told only of the cases of the local authorities their membership covers.

It runs every day, weekends and bank holidays included, and counts in working days (``core.calendar``): no
working day passes while the service is shut, so on a Saturday or a bank holiday a case is stale only if it
already was on the working day before (``timeliness.stale_before``), and the Saturday run finds nothing
stale that the next working day would not. What falls due on a calendar date (a month since the referral,
a review date) is due the same on any day of the week. Running daily rather than on working days only
means a run the scheduler missed is made up the next day, whatever day that is.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select

from core.calendar import london_day
from core.db import db
from core.jobs.models import SentReminder
from core.jobs.reminders import remind_once
from core.wording import plural
from plugins.lado.cases import officers
from plugins.lado.models import LadoCase
from plugins.lado.timeliness import stale_before, timeliness


@dataclass(frozen=True)
class Item:
    key: str
    local_authority_id: int
    line: str


def due_items(today: date, stale_days: int) -> list[Item]:
    """Everything a reminder is due for today, whether or not it was sent already. One query."""
    cases = db.session.scalars(
        select(LadoCase).where(
            LadoCase.removed_on.is_(None),
            or_(
                LadoCase.status == "open",
                LadoCase.review_on <= today,
            ),
        ).order_by(LadoCase.reference)
    ).all()
    items: list[Item] = []
    stale_moment = stale_before(today, stale_days)
    for case in cases:
        if case.status == "open":
            clock = timeliness(case, today)
            if clock.passed:
                months = clock.passed[-1]
                items.append(Item(
                    f"lado:overdue:{case.id}:{months}", case.local_authority_id,
                    f"{case.reference}: referral open for more than {plural(months, 'month')} "
                    f"(referred on {case.referred_on:%-d %B %Y}, no outcome yet)"))
            if case.last_activity_at < stale_moment:
                last = london_day(case.last_activity_at)
                items.append(Item(
                    f"lado:stale:{case.id}:{last.isoformat()}", case.local_authority_id,
                    f"{case.reference}: no activity since {last:%-d %B %Y} ({plural(stale_days, 'working day')} or more)"))
        elif case.review_on is not None and case.review_on <= today:
            what = "due for removal (malicious)" if case.outcome == "malicious" else "due for a retention review"
            items.append(Item(f"lado:review:{case.id}:{case.review_on.isoformat()}", case.local_authority_id,
                              f"{case.reference}: {what} since {case.review_on:%-d %B %Y}"))
    return items


def sweep(tenant, settings, today: date) -> list[str]:
    """The periodic job. Returns the keys newly reminded of."""
    stale_days = (settings or {}).get("stale_days", 20)
    items = due_items(today, stale_days)
    if not items:
        return []
    sent = set(db.session.scalars(select(SentReminder.key).where(SentReminder.key.in_([i.key for i in items]))))
    new = [item for item in items if item.key not in sent]
    if not new:
        return []
    explicit = list((settings or {}).get("reminder_emails") or [])
    recipients = [(email, None) for email in explicit] if explicit else officers()
    delivered: set[str] = set()
    for email, limit in recipients:
        theirs = [item for item in new if limit is None or item.local_authority_id in limit]
        if not theirs:
            continue
        delivered.update(item.key for item in theirs)
        digest = hashlib.sha256("|".join([email] + [i.key for i in theirs]).encode()).hexdigest()[:16]
        lines = "\n".join(f"- {item.line}" for item in theirs)
        one = len(theirs) == 1
        remind_once(
            f"lado:sweep:{today.isoformat()}:{digest}", [email],
            f"{tenant.short_name} LADO: {plural(len(theirs), 'case')} {'needs' if one else 'need'} attention",
            f"{'This LADO case' if one else 'These LADO cases'} of {tenant.name} {'needs' if one else 'need'} "
            f"attention today ({today:%-d %B %Y}):\n\n{lines}\n\n"
            "Sign in to the platform to see them. This email names case references only.",
            purpose="lado-reminder",
        )
    # What reached nobody (no officer covers its local authority yet) stays due, for when someone does.
    db.session.add_all(SentReminder(key=item.key) for item in new if item.key in delivered)
    db.session.flush()
    return [item.key for item in new if item.key in delivered]
