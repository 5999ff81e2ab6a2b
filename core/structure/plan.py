"""The partnership's priorities and business plan: priorities and cross-cutting threads for a period of
financial years, plan actions under each priority with their RAG status, progress per priority, and the
quarterly themes a body sets and follows through the bodies accountable to it.

Plain functions on the tenant in scope, called by the pages, the API and the tests alike. Every change is
recorded in the audit log in the caller's transaction; the caller commits. A rule broken raises
``PlanError``, whose messages are written for the person filling in the form.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from core.audit.services import record
from core.calendar import FIRST_YEAR, LAST_YEAR, FinancialYear
from core.db import db, utcnow
from core.refusals import Refused
from core.structure.models import (
    PRIORITY_KINDS,
    RAG,
    Body,
    PlanAction,
    Priority,
    QuarterlyTheme,
    ThemeFollowUp,
)

RAG_ORDER = ("red", "amber", "green", "complete")
QUARTER_MONTHS = {1: "April to June", 2: "July to September", 3: "October to December", 4: "January to March"}
_KEY = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_ID = 2**31 - 1  # as core.web.ids: a larger id cannot exist, so it must not reach the database


class PlanError(Refused):
    """What is wrong with a plan, a priority or an action, by form field."""


# -- periods and quarters -----------------------------------------------------------------------------------


def year_label(year: int) -> str:
    return FinancialYear(year).label


def period_label(starts_year: int, ends_year: int) -> str:
    """``2025/26 to 2027/28``: written out, because "2025 to 2027" reads as calendar years."""
    if starts_year == ends_year:
        return year_label(starts_year)
    return f"{year_label(starts_year)} to {year_label(ends_year)}"


def quarter_of(day: date) -> tuple[int, int]:
    """``(financial year, quarter)``: Q1 is April to June, Q4 January to March of the next calendar year."""
    year = FinancialYear.containing(day).start_year
    quarter = (day.month - 4) // 3 + 1 if day.month >= 4 else 4
    return year, quarter


def quarter_dates(year: int, quarter: int) -> tuple[date, date]:
    """First and last day of a quarter of the financial year starting 1 April ``year``."""
    _check_quarter(year, quarter)
    start_month = 3 * quarter + 1 if quarter < 4 else 1
    start_year = year if quarter < 4 else year + 1
    start = date(start_year, start_month, 1)
    end_month = start_month + 2
    end_day = {3: 31, 6: 30, 9: 30, 12: 31}[end_month]
    return start, date(start_year, end_month, end_day)


def quarter_label(year: int, quarter: int) -> str:
    start, end = quarter_dates(year, quarter)
    return f"Q{quarter} {year_label(year)} ({QUARTER_MONTHS[quarter]} {end.year})"


def _check_quarter(year: int | None, quarter: int | None) -> None:
    errors = {}
    # A form left blank gives None: it is a missing answer, not a year before 2000.
    if not isinstance(year, int) or not FIRST_YEAR <= year <= LAST_YEAR:
        errors["year"] = f"Enter a financial year between {FIRST_YEAR} and {LAST_YEAR}"
    if quarter not in QUARTER_MONTHS:
        errors["quarter"] = "Choose a quarter from 1 (April to June) to 4 (January to March)"
    if errors:
        raise PlanError(errors)


# -- priorities ---------------------------------------------------------------------------------------------


def _text(errors: dict, name: str, value: str | None, *, label: str, required: bool, max_length: int) -> str:
    value = (value or "").strip()
    if required and not value:
        errors[name] = f"Enter {label}"
    elif len(value) > max_length:
        errors[name] = f"{label[0].upper()}{label[1:]} must be {max_length} characters or fewer"
    return value


def _check_priority(errors: dict, *, title, kind, starts_year, ends_year, description) -> dict:
    values = {
        "title": _text(errors, "title", title, label="a title", required=True, max_length=300),
        "description": _text(errors, "description", description, label="the description", required=False,
                             max_length=5000),
        "kind": kind,
        "starts_year": starts_year,
        "ends_year": ends_year,
    }
    if kind not in PRIORITY_KINDS:
        errors["kind"] = "Choose whether this is a priority or a cross-cutting thread"
    for name, year, which in (("starts_year", starts_year, "starts"), ("ends_year", ends_year, "ends")):
        if not isinstance(year, int) or not FIRST_YEAR <= year <= LAST_YEAR:
            errors[name] = f"Enter the financial year it {which} in, between {FIRST_YEAR} and {LAST_YEAR}"
    if "starts_year" not in errors and "ends_year" not in errors and ends_year < starts_year:
        errors["ends_year"] = f"The period cannot end before it starts ({year_label(starts_year)})"
    return values


def _new_key(title: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:50].strip("-") or "priority"
    taken = set(db.session.scalars(select(Priority.key).where(Priority.key.like(f"{base}%"))))
    key, n = base, 2
    while key in taken:
        key, n = f"{base}-{n}", n + 1
    return key


def create_priority(*, title: str, starts_year: int, ends_year: int, kind: str = "priority",
                    description: str = "", key: str | None = None) -> Priority:
    errors: dict[str, str] = {}
    values = _check_priority(errors, title=title, kind=kind, starts_year=starts_year, ends_year=ends_year,
                             description=description)
    if key is not None:
        if not _KEY.match(key) or len(key) > 60:
            errors["key"] = "Use lowercase letters, digits and single hyphens for the key"
        elif db.session.scalar(select(Priority.id).where(Priority.key == key)) is not None:
            errors["key"] = f"A priority with the key '{key}' already exists"
    if errors:
        raise PlanError(errors)
    position = db.session.scalar(select(func.max(Priority.position))) or 0
    priority = Priority(key=key or _new_key(values["title"]), position=position + 1, **values)
    db.session.add(priority)
    record("plan.priority.created", priority,
           summary=f"{PRIORITY_KINDS[kind]} '{priority.title}' added for {period_label(starts_year, ends_year)}",
           details=_jsonable(values))
    return priority


def change_priority(priority: Priority, *, title: str, starts_year: int, ends_year: int, kind: str,
                    description: str = "") -> Priority:
    errors: dict[str, str] = {}
    values = _check_priority(errors, title=title, kind=kind, starts_year=starts_year, ends_year=ends_year,
                             description=description)
    if kind == "thread" and priority.kind != "thread" and priority.actions:
        errors["kind"] = ("This priority has business plan actions: a cross-cutting thread runs through the "
                          "priorities and has none of its own")
    if errors:
        raise PlanError(errors)
    changes = _apply(priority, values)
    if changes:
        record("plan.priority.changed", priority, summary=f"Priority '{priority.title}' changed", details=changes)
    return priority


def covers(priority: Priority, year: int) -> bool:
    """Whether the priority's period includes the financial year starting 1 April ``year``."""
    return priority.starts_year <= year <= priority.ends_year


def priorities_for_year(year: int, *, with_actions: bool = False) -> list[Priority]:
    """Priorities and threads whose period includes the financial year, in their order."""
    query = (select(Priority).where(Priority.starts_year <= year, Priority.ends_year >= year)
             .order_by(Priority.position, Priority.title, Priority.id))
    if with_actions:
        query = query.options(selectinload(Priority.actions).selectinload(PlanAction.owner_body))
    return list(db.session.scalars(query))


def current_priorities(on: date, *, with_actions: bool = False) -> list[Priority]:
    """Priorities and threads for the financial year that contains ``on``."""
    return priorities_for_year(FinancialYear.containing(on).start_year, with_actions=with_actions)


def years_with_plan() -> set[int]:
    """Every year a priority, thread or theme covers, for the year picker, so that none of the plan is out
    of reach however old. Two queries whatever the size of the plan."""
    years: set[int] = set()
    for starts_year, ends_year in db.session.execute(
            select(Priority.starts_year, Priority.ends_year).distinct()):
        years.update(range(starts_year, ends_year + 1))
    years.update(db.session.scalars(select(QuarterlyTheme.year).distinct()))
    return years


def split_kinds(priorities: Iterable[Priority]) -> tuple[list[Priority], list[Priority]]:
    """``(priorities, threads)``, each in the order given."""
    items = list(priorities)
    return [p for p in items if p.kind != "thread"], [p for p in items if p.kind == "thread"]


# -- plan actions -------------------------------------------------------------------------------------------


def _owner_body(errors: dict, owner_body_id: int | None, current: Body | None) -> Body | None:
    if owner_body_id is None:
        errors["owner_body_id"] = "Choose the body that owns the action"
        return None
    # Another partnership's body is simply not found in this scope.
    body = _get(Body, owner_body_id)
    if body is None:
        errors["owner_body_id"] = "Choose a body of this partnership from the list"
    elif body.status == "dissolved" and body is not current:
        errors["owner_body_id"] = f"{body.name} has been dissolved: choose a body that still meets"
    return body


def _check_action(errors: dict, *, title, lead, due_on, rag, progress) -> dict:
    values = {
        "title": _text(errors, "title", title, label="what the action is", required=True, max_length=2000),
        "lead": _text(errors, "lead", lead, label="who leads the action", required=True, max_length=200),
        "progress": _text(errors, "progress", progress, label="the progress note", required=False,
                          max_length=5000),
        "due_on": due_on,
        "rag": rag,
    }
    if due_on is None:
        errors["due_on"] = "Enter the date the action is due"
    elif not FIRST_YEAR <= due_on.year <= LAST_YEAR:
        errors["due_on"] = f"Enter a due date between {FIRST_YEAR} and {LAST_YEAR}"
    if rag not in RAG:
        errors["rag"] = "Choose a status: red, amber, green or complete"
    return values


def add_plan_action(priority: Priority, *, title: str, owner_body_id: int | None, lead: str,
                    due_on: date | None, rag: str = "green", progress: str = "") -> PlanAction:
    errors: dict[str, str] = {}
    if priority.kind == "thread":
        errors["priority"] = ("A cross-cutting thread runs through every priority: add the action under the "
                              "priority it serves")
    values = _check_action(errors, title=title, lead=lead, due_on=due_on, rag=rag, progress=progress)
    body = _owner_body(errors, owner_body_id, None)
    if errors:
        raise PlanError(errors)
    action = PlanAction(priority=priority, owner_body=body, updated_at=utcnow(), **values)
    db.session.add(action)
    record("plan.action.created", action, summary=f"Action '{action.title[:200]}' added to '{priority.title}'",
           details={**_jsonable(values), "owner_body": body.key, "priority": priority.key})
    return action


def change_plan_action(action: PlanAction, *, title: str, owner_body_id: int | None, lead: str,
                       due_on: date | None, rag: str, progress: str = "") -> PlanAction:
    errors: dict[str, str] = {}
    values = _check_action(errors, title=title, lead=lead, due_on=due_on, rag=rag, progress=progress)
    body = _owner_body(errors, owner_body_id, action.owner_body)
    if errors:
        raise PlanError(errors)
    changes = _apply(action, values)
    if action.owner_body is not body:
        changes["owner_body"] = [action.owner_body.key if action.owner_body else None, body.key]
        action.owner_body = body
    if changes:
        action.updated_at = utcnow()
        record("plan.action.changed", action, summary=f"Action '{action.title[:200]}' updated", details=changes)
    return action


def is_overdue(action: PlanAction, today: date) -> bool:
    return action.due_on is not None and action.due_on < today and action.rag != "complete"


@dataclass
class Progress:
    """How a priority's actions stand: counts by RAG status, and how many are overdue."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RAG_ORDER, 0))
    overdue: int = 0

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def complete(self) -> int:
        return self.counts["complete"]


def progress_of(actions: Iterable[PlanAction], today: date) -> Progress:
    result = Progress()
    for action in actions:
        result.counts[action.rag if action.rag in result.counts else "red"] += 1
        result.overdue += is_overdue(action, today)
    return result


def ordered_actions(priority: Priority) -> list[PlanAction]:
    """Soonest due first, undated last, the same on every database (they sort NULL differently)."""
    return sorted(priority.actions, key=lambda a: (a.due_on is None, a.due_on or date.max, a.id or 0))


def plan_counts(year: int, today: date) -> tuple[dict[str, int], int]:
    """RAG counts and overdue actions of the plan for a financial year, in two queries whatever its size."""
    in_plan = (Priority.kind != "thread", Priority.starts_year <= year, Priority.ends_year >= year)
    counts = dict.fromkeys(RAG_ORDER, 0)
    rows = db.session.execute(select(PlanAction.rag, func.count()).join(PlanAction.priority)
                              .where(*in_plan).group_by(PlanAction.rag))
    for rag, n in rows:
        counts[rag if rag in counts else "red"] += n
    overdue = db.session.scalar(select(func.count(PlanAction.id)).join(PlanAction.priority).where(
        *in_plan, PlanAction.due_on < today, PlanAction.rag != "complete"))
    return counts, overdue or 0


# -- quarterly themes ---------------------------------------------------------------------------------------


def _setting_body(errors: dict, set_by_id: int | None) -> Body | None:
    if set_by_id is None:
        errors["set_by_id"] = "Choose the body that sets the theme"
        return None
    body = _get(Body, set_by_id)
    if body is None:
        errors["set_by_id"] = "Choose a body of this partnership from the list"
    elif body.status == "dissolved":
        errors["set_by_id"] = f"{body.name} has been dissolved: choose a body that still meets"
    return body


def _accountable_bodies(body: Body) -> list[Body]:
    # Only those that meet: a dissolved group cannot take a theme forward.
    return [b for b in db.session.scalars(
        select(Body).where(Body.accountable_to_id == body.id, Body.status != "dissolved")
        .order_by(Body.position, Body.name))]


def theme_for(year: int, quarter: int) -> QuarterlyTheme | None:
    return db.session.scalars(select(QuarterlyTheme).where(
        QuarterlyTheme.year == year, QuarterlyTheme.quarter == quarter)).first()


def set_theme(*, year: int, quarter: int, set_by_id: int | None, title: str,
              description: str = "") -> QuarterlyTheme:
    """Set the theme of a quarter, to be followed up by each body accountable to the one that sets it."""
    errors: dict[str, str] = {}
    try:
        _check_quarter(year, quarter)
    except PlanError as exc:
        errors.update(exc.errors)
    body = _setting_body(errors, set_by_id)
    title = _text(errors, "title", title, label="the theme", required=True, max_length=300)
    description = _text(errors, "description", description, label="the description", required=False,
                        max_length=5000)
    if "year" not in errors and "quarter" not in errors:
        existing = theme_for(year, quarter)
        if existing is not None:
            errors["quarter"] = (f"{quarter_label(year, quarter)} already has a theme, '{existing.title}': "
                                 "change that one instead")
    if errors:
        raise PlanError(errors)
    theme = QuarterlyTheme(year=year, quarter=quarter, set_by=body, title=title, description=description)
    theme.follow_ups = [ThemeFollowUp(body=b) for b in _accountable_bodies(body)]
    db.session.add(theme)
    record("plan.theme.set", theme, summary=f"Theme '{title}' set for {quarter_label(year, quarter)} by {body.name}",
           details={"year": year, "quarter": quarter, "set_by": body.key,
                    "follow_ups": [f.body.key for f in theme.follow_ups]})
    return theme


def change_theme(theme: QuarterlyTheme, *, title: str, description: str = "") -> QuarterlyTheme:
    """Change the wording; bodies that have become accountable to the setting body since are added."""
    errors: dict[str, str] = {}
    values = {
        "title": _text(errors, "title", title, label="the theme", required=True, max_length=300),
        "description": _text(errors, "description", description, label="the description", required=False,
                             max_length=5000),
    }
    if errors:
        raise PlanError(errors)
    changes = _apply(theme, values)
    following = {f.body_id for f in theme.follow_ups}
    added = [b for b in _accountable_bodies(theme.set_by) if b.id not in following]
    for body in added:
        theme.follow_ups.append(ThemeFollowUp(body=body))
    if added:
        changes["follow_ups_added"] = [b.key for b in added]
    if changes:
        record("plan.theme.changed", theme, summary=f"Theme '{theme.title}' changed", details=changes)
    return theme


def update_follow_up(follow_up: ThemeFollowUp, *, note: str, done: bool) -> ThemeFollowUp:
    errors: dict[str, str] = {}
    note = _text(errors, "note", note, label="the note", required=False, max_length=5000)
    if done and not note:
        errors["note"] = "Say what the body did with the theme before marking it done"
    if errors:
        raise PlanError(errors)
    changes = _apply(follow_up, {"note": note, "done": bool(done)})
    if changes:
        record("plan.follow_up.changed", follow_up,
               summary=f"{follow_up.body.name}: follow-up of '{follow_up.theme.title}' "
                       f"{'done' if follow_up.done else 'updated'}", details=changes)
    return follow_up


def themes_for_year(year: int) -> list[QuarterlyTheme]:
    return list(db.session.scalars(
        select(QuarterlyTheme).where(QuarterlyTheme.year == year)
        .options(selectinload(QuarterlyTheme.set_by),
                 selectinload(QuarterlyTheme.follow_ups).selectinload(ThemeFollowUp.body))
        .order_by(QuarterlyTheme.quarter)))


# -- helpers ------------------------------------------------------------------------------------------------


def _get(model, ident):
    if not isinstance(ident, int) or not 1 <= ident <= MAX_ID:
        return None
    return db.session.get(model, ident)


def _plain(value):
    return value.isoformat() if isinstance(value, date) else value


def _jsonable(values: dict) -> dict:
    return {k: _plain(v) for k, v in values.items()}


def _apply(obj, values: dict) -> dict:
    """Set the attributes; return what changed as ``{name: [old, new]}`` for the audit log."""
    changes = {}
    for name, value in values.items():
        old = getattr(obj, name)
        if old != value:
            changes[name] = [_plain(old), _plain(value)]
            setattr(obj, name, value)
    return changes
