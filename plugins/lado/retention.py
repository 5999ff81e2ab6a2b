"""How long a case's personal data is kept, and its removal.

Keeping Children Safe in Education (2024, part four, "Record keeping") says details of allegations found
to be malicious should be removed from personnel records, and that for all other allegations the record
"should be retained at least until the accused has reached normal pension age or for a period of 10 years
from the date of the allegation if that is longer". The guidance does not set a shorter period for false
or unfounded allegations; the partnership's own schedule does, and it is a setting here:

- substantiated and unsubstantiated: the later of the person's normal pension age and ``retention_years``
  (10) from the allegation. The pension age date is the one recorded for the person if known, otherwise
  their date of birth plus ``pension_age`` years; with neither, ten years from the allegation;
- false and unfounded: a review ``false_unfounded_review_years`` after the allegation (default 10: the
  ten-year leg of the rule above without the pension-age extension);
- malicious: due for removal as soon as the outcome is recorded;
- consultations: a review ``consultation_review_years`` after they were closed;
- open cases: no date.

The date of the allegation is the date of the concern, or the contact with the LADO when the concern's
date is not known. A date is a *review*: the LADO decides then to keep the record longer (with a reason) or
to remove its personal data. Removal keeps what the figures of past years count (reference, local
authority, dates, sectors, category, harm test, outcome) and deletes everything that identifies anyone.

The guidance's own date (``guidance_date``) is a floor nothing goes below: not the settings (their minimums
are the guidance's, ``GUIDANCE_YEARS`` and ``LOWEST_PENSION_AGE``, and settings saved before those were
enforced are raised to them), not a date set at a review, and not a removal. For false and unfounded
allegations the floor is the ten years; consultations and malicious allegations have none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from core.audit.services import record
from core.db import db
from plugins.lado.common import CaseError, add_entry, clean
from plugins.lado.models import LadoCase
from plugins.lado.timeliness import add_years

KEPT_OUTCOMES = frozenset({"substantiated", "unsubstantiated"})
REVIEWED_OUTCOMES = frozenset({"false", "unfounded"})

# The guidance's minimums. Ten years from the allegation at least; and "normal pension age", which the setting
# stands for when a person's own pension date is not recorded: the State Pension age, 66 at the lowest for
# anyone still short of it (67 for most people now working), so a setting below 66 would let records go
# before the guidance's date.
GUIDANCE_YEARS = 10
LOWEST_PENSION_AGE = 66
HIGHEST_PENSION_AGE = 75


@dataclass(frozen=True)
class Policy:
    pension_age: int = 67
    retention_years: int = 10
    false_unfounded_review_years: int = 10
    consultation_review_years: int = 10

    @classmethod
    def from_settings(cls, settings: dict | None) -> Policy:
        settings = settings or {}
        return cls(**{name: settings[name] for name in cls.__dataclass_fields__ if name in settings})


def allegation_date(case: LadoCase) -> date:
    return case.concern_on or case.received_on


def pension_date(case: LadoCase, policy: Policy) -> date | None:
    if case.person_pension_on is not None:
        return case.person_pension_on
    if case.person_born_on is not None:
        # A pension age saved before the minimum was enforced still counts as the minimum.
        return add_years(case.person_born_on, max(policy.pension_age, LOWEST_PENSION_AGE))
    return None


def guidance_date(case: LadoCase, policy: Policy) -> date | None:
    """The earliest date the guidance lets the personal data of a closed case go, or None where it sets none
    (an open case, a consultation, a malicious allegation: removed as soon as it is known)."""
    if case.status != "closed" or case.closed_on is None or case.kind == "consultation":
        return None
    ten_years = add_years(allegation_date(case), GUIDANCE_YEARS)
    if case.outcome in KEPT_OUTCOMES:
        pension = pension_date(case, policy)
        return max(ten_years, pension) if pension else ten_years
    if case.outcome in REVIEWED_OUTCOMES:
        return ten_years
    return None


def guidance_reason(case: LadoCase) -> str:
    """Why the guidance keeps this record to its date, in words for a refusal."""
    label = (case.outcome_label or "").lower()
    if case.outcome in KEPT_OUTCOMES:
        return (f"the guidance keeps a record of an allegation found {label} until the person's normal pension "
                "age or ten years from the allegation, whichever is later")
    return f"a record of an allegation found {label} is kept at least ten years from the allegation"


def review_date(case: LadoCase, policy: Policy) -> date | None:
    """When the case is next due for review (or, if malicious, removal); None while it is open."""
    if case.status != "closed" or case.closed_on is None:
        return None
    if case.kind == "consultation":
        return add_years(case.closed_on, policy.consultation_review_years)
    alleged = allegation_date(case)
    if case.outcome in KEPT_OUTCOMES:
        scheduled = add_years(alleged, policy.retention_years)
        pension = pension_date(case, policy)
        scheduled = max(scheduled, pension) if pension else scheduled
    elif case.outcome in REVIEWED_OUTCOMES:
        scheduled = add_years(alleged, policy.false_unfounded_review_years)
    elif case.outcome == "malicious":
        return case.closed_on
    else:
        return None
    # The partnership's schedule may keep longer than the guidance, never shorter.
    return max(scheduled, guidance_date(case, policy))


def refresh_review_date(case: LadoCase, policy: Policy) -> None:
    """Recompute the stored date, unless the LADO has set one at a review since; a date set at a review
    that the guidance's date has overtaken (a date of birth recorded since, say) is brought up to it."""
    if case.removed_on is not None:
        return
    if not case.review_extended:
        case.review_on = review_date(case, policy)
        return
    floor = guidance_date(case, policy)
    if floor is not None and (case.review_on is None or case.review_on < floor):
        case.review_on = floor


def due_for_removal(case: LadoCase) -> bool:
    return case.outcome == "malicious" and case.removed_on is None


def is_due(case: LadoCase, today: date) -> bool:
    return case.removed_on is None and case.review_on is not None and case.review_on <= today


def check_removal(case: LadoCase, today: date, policy: Policy) -> None:
    """Refuse the removal of a case's personal data (CaseError, with the reason) unless it is allowed today:
    a malicious allegation at once; any other case once its review is due and never before the guidance's
    date, whatever date a review may have set."""
    if case.removed_on is not None:
        raise CaseError("The personal data of this case was already removed")
    if case.status != "closed":
        raise CaseError("An open case cannot have its personal data removed: record its outcome first")
    if case.outcome == "malicious":
        return
    if not is_due(case, today):
        raise CaseError(f"This case is not due for review until {case.review_on:%-d %B %Y}")
    floor = guidance_date(case, policy)
    if floor is not None and today < floor:
        raise CaseError(f"The personal data cannot be removed before {floor:%-d %B %Y}: {guidance_reason(case)}. "
                        "Keep the record until then at least")


def may_remove(case: LadoCase, today: date, policy: Policy) -> bool:
    """Whether ``check_removal`` allows the removal today: whether the case page offers it."""
    try:
        check_removal(case, today, policy)
    except CaseError:
        return False
    return True


def remove_personal_data(case: LadoCase, today: date, actor_label: str = "", policy: Policy | None = None) -> None:
    """Delete everything in the case that identifies anyone, if ``check_removal`` allows it today."""
    check_removal(case, today, policy or Policy())
    for name in ("summary", "referrer_name", "referrer_role", "referrer_contact", "person_name", "person_role",
                 "person_employer", "advice", "outcome_note", "employer_learning"):
        setattr(case, name, "")
    case.person_born_on = case.person_pension_on = None
    case.referrer_agency = None
    case.submitted_by_id = None
    # A closure confirmed past an open process goes with the processes: its reason is free text that may name
    # the person or a child, and who confirmed it and who took the case on name the LADOs, as the record did.
    case.closed_while_open, case.closed_while_open_reason = [], ""
    case.closed_while_open_by, case.closed_while_open_at = "", None
    case.allocated_to, case.allocated_at = None, None
    case.children.clear()
    case.meetings.clear()
    case.employer_actions.clear()
    case.processes.clear()
    case.entries.clear()
    case.removed_on = today
    case.review_on = None
    add_entry(case, today, f"Personal data removed on {today:%-d %B %Y}", author_label=actor_label)
    # The audit event names the case and why, never who it was about.
    record("lado.case.personal_data_removed", case, summary=f"Removed the personal data of {case.reference}",
           details={"reference": case.reference, "outcome": case.outcome, "kind": case.kind,
                    "removed_on": today.isoformat()})
    db.session.flush()


def check_keep_until(case: LadoCase, until: date, today: date, policy: Policy) -> str | None:
    """What is wrong with ``until`` as the next review date of a record kept longer, or None. It is after
    today, and never before the guidance's date."""
    if until <= today:
        return "The next review must be after today"
    floor = guidance_date(case, policy)
    if floor is not None and until < floor:
        return f"Keep the record until {floor:%-d %B %Y} or later: {guidance_reason(case)}"
    return None


def check_keepable(case: LadoCase) -> None:
    """Refuse keeping the record longer (CaseError, about the case rather than a date) where there is no review
    to move: the data is gone, the case is open, or it is a malicious allegation, which is removed."""
    if case.removed_on is not None:
        raise CaseError("The personal data of this case was already removed")
    if case.status != "closed":
        raise CaseError("An open case has no review date yet")
    if case.outcome == "malicious":
        raise CaseError("A malicious allegation is removed, not kept: guidance says its details go")


def extend_review(case: LadoCase, until: date, reason: str, today: date, actor_label: str = "",
                  policy: Policy | None = None) -> None:
    """Keep the record longer after a review: a later review date and why."""
    reason = clean(reason, multiline=True)
    check_keepable(case)
    problems = {}
    wrong_date = check_keep_until(case, until, today, policy or Policy())
    if wrong_date:
        problems["until"] = wrong_date
    if not reason:
        problems["reason"] = "Say why the record is kept longer"
    elif len(reason) > 2000:
        problems["reason"] = "The reason must be 2000 characters or fewer"
    if problems:
        raise CaseError(problems)
    before = case.review_on
    case.review_on, case.review_extended = until, True
    add_entry(case, today, f"Retention reviewed: kept until {until:%-d %B %Y}. {reason}", author_label=actor_label)
    record("lado.case.retention_extended", case, summary=f"Kept {case.reference} until {until:%-d %B %Y}",
           details={"before": before.isoformat() if before else None, "until": until.isoformat()})
