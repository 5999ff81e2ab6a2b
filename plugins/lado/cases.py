"""The LADO's case work as plain functions: intake (the harm test), references, conversion of a
consultation to a referral, case details, meetings, the employer's actions, parallel processes, notes,
closing a consultation and recording an outcome, and which cases a member may see.

Every change is written to the case's chronological record and to the audit log in the caller's
transaction; the caller commits. Audit events name the case by its reference and list which fields
changed, never their values: the audit log is read by roles that may not read case files.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from sqlalchemy import Select, select, update
from sqlalchemy.orm import selectinload

from core.audit.services import record
from core.auth.models import Membership, Role, User
from core.db import db, utcnow
from core.mail.services import queue_email
from core.tenancy.isolation import current_tenant_id
from core.tenancy.models import Agency, LocalAuthority
from core.wording import with_article
from plugins.lado.common import CaseError, add_entry, clean, touch
from plugins.lado.models import (
    CATEGORIES,
    EMPLOYER_ACTIONS,
    EMPLOYER_SECTORS,
    EMPLOYMENT_TYPES,
    GENDERS,
    HARM_TEST,
    KINDS,
    MEETING_KINDS,
    OUTCOMES,
    PROCESS_KINDS,
    PROCESS_STATUSES,
    REGULATORS,
    SECTORS,
    LadoCase,
    LadoChild,
    LadoEmployerAction,
    LadoMeeting,
    LadoProcess,
    LadoReferenceCounter,
)
from plugins.lado.retention import Policy, refresh_review_date
from plugins.lado.schemas import service_emails

__all__ = ["CaseError"]

MAX_CHILDREN = 20
MAX_ATTENDEES = 60
LONG_TEXT = 20_000
DETAIL_FIELDS = (
    "concern_on", "harm_criteria", "outside_work", "category", "summary", "referrer_agency", "referrer_name",
    "referrer_role", "referrer_contact", "referring_sector", "person_name", "person_role", "person_employer",
    "employer_sector", "employment_type", "person_born_on", "person_pension_on",
)
# The role switching the module on creates (``setup.ROLES``) for the LADOs themselves: whoever holds it is
# told of new referrals and reminded of their cases.
OFFICER_ROLE = "lado_officer"
_INITIALS = re.compile(r"^[A-Za-z][A-Za-z .'-]{0,4}$")
_SMALL_WORDS = {"of", "and", "the", "&", "for", "upon", "on"}


# -- who sees what ---------------------------------------------------------------------------------------


def limit_to(stmt: Select, local_authority_ids: frozenset[int] | None) -> Select:
    """The one rule for which cases a member reads: those of the local authorities their membership is
    limited to (None: no limit, every local authority of the partnership). Pages, API and exports all
    pass their query through here; the tenant is applied by the session."""
    if local_authority_ids is None:
        return stmt
    return stmt.where(LadoCase.local_authority_id.in_(sorted(local_authority_ids)))


def get_case(case_id: int, local_authority_ids: frozenset[int] | None, *, full: bool = False) -> LadoCase | None:
    """The case if it exists in the tenant and within the limit; with ``full``, everything its page shows
    loaded in a fixed number of queries."""
    stmt = limit_to(select(LadoCase).where(LadoCase.id == case_id), local_authority_ids)
    if full:
        stmt = stmt.options(
            selectinload(LadoCase.local_authority), selectinload(LadoCase.referrer_agency),
            selectinload(LadoCase.allocated_to),
            selectinload(LadoCase.children), selectinload(LadoCase.meetings),
            selectinload(LadoCase.employer_actions), selectinload(LadoCase.processes),
            selectinload(LadoCase.entries),
        )
    return db.session.scalars(stmt).first()


def officers() -> list[tuple[str, frozenset[int] | None]]:
    """(email, local authority ids or None for all) of each active member holding the LADO officer role: who
    the sweep reminds and who hears of a new referral when the settings name no one. One query."""
    memberships = db.session.scalars(
        select(Membership).join(Membership.roles).join(User, User.id == Membership.user_id)
        .where(Role.key == OFFICER_ROLE, Membership.status == "active", User.active.is_(True))
        .options(selectinload(Membership.local_authorities), selectinload(Membership.user))
    ).unique().all()
    return [(m.user.email, frozenset(la.id for la in m.local_authorities) or None) for m in memberships]


def service_authorities(settings: dict | None) -> list[LocalAuthority]:
    """The local authorities that run a LADO service in the partnership: those the settings name, or all."""
    keys = (settings or {}).get("local_authorities") or []
    stmt = select(LocalAuthority).order_by(LocalAuthority.name)
    if keys:
        stmt = stmt.where(LocalAuthority.key.in_(keys))
    return list(db.session.scalars(stmt))


def unknown_authorities(keys: list[str]) -> list[str]:
    """Keys the settings name that are not local authorities of the tenant in scope."""
    known = set(db.session.scalars(select(LocalAuthority.key)))
    return [key for key in keys if key not in known]


# -- references ------------------------------------------------------------------------------------------


def reference_code(name: str, key: str = "") -> str:
    """A short code for a local authority from its name's initials, as councils write them: the Royal
    Borough of Kensington and Chelsea is RBKC, Westminster City Council WCC. A one-word name gives its first
    four letters. Only ASCII capitals, so the reference is safe anywhere."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    words = [w for w in re.split(r"[^A-Za-z]+", ascii_name) if w and w.lower() not in _SMALL_WORDS]
    code = "".join(w[0] for w in words).upper()
    if len(code) < 2:
        letters = re.sub(r"[^A-Za-z]", "", ascii_name or key).upper()
        code = letters[:4]
    return code[:10] or "LA"


def format_reference(code: str, year: int, sequence: int) -> str:
    return f"LADO-{code}-{year}-{sequence:04d}"


def next_reference(code: str, year: int) -> str:
    """The next reference for the code and year, in the caller's transaction.

    The counter row is created if missing (INSERT ... ON CONFLICT DO NOTHING), then incremented with one
    UPDATE ... RETURNING. On PostgreSQL the UPDATE takes the row's lock until the transaction ends, so a
    concurrent submission waits and gets the next number; a rolled-back one gives its number back, so
    there are no gaps. SQLite runs one writer at a time. The counter is keyed on the code, not the local
    authority, so two authorities whose names give the same code still get distinct references.
    """
    session = db.session
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    session.execute(
        insert(LadoReferenceCounter).on_conflict_do_nothing(index_elements=["tenant_id", "code", "year"]),
        [{"tenant_id": current_tenant_id(), "code": code, "year": year, "last": 0}],
    )
    sequence = session.execute(
        update(LadoReferenceCounter)
        .where(LadoReferenceCounter.code == code, LadoReferenceCounter.year == year)
        .values(last=LadoReferenceCounter.last + 1)
        .returning(LadoReferenceCounter.last)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    return format_reference(code, year, sequence)


# -- checking what was typed -----------------------------------------------------------------------------


def _text(problems: dict, name: str, value, label: str, maximum: int = 200, *, required: str = "",
          multiline: bool = False) -> str:
    value = clean(value if isinstance(value, str) else "", multiline=multiline)
    if required and not value:
        problems.setdefault(name, required)
    elif len(value) > maximum:
        problems.setdefault(name, f"{label} must be {maximum} characters or fewer")
    return value


def _choice(problems: dict, name: str, value, choices: dict, message: str, *, required: bool = True) -> str:
    value = value or ""
    if value == "" and not required:
        return ""
    if value not in choices:
        problems.setdefault(name, message)
    return value


def _children(problems: dict, rows: list[dict]) -> list[dict]:
    """Children typed in numbered rows (``child-1-initials``...); a row left empty is no child."""
    out = []
    if len(rows) > MAX_CHILDREN:
        problems.setdefault("children", f"Record at most {MAX_CHILDREN} children")
        return out
    for index, row in enumerate(rows, start=1):
        number = row.get("number") or index  # the row's number on the form, for the message
        initials = clean(str(row.get("initials") or ""))
        age = row.get("age")
        gender = row.get("gender") or "not_known"
        if not initials and age in (None, "") and gender == "not_known":
            continue
        if not _INITIALS.match(initials):
            problems.setdefault(f"child-{number}-initials",
                                f"Enter child {number}'s initials: up to 5 letters, like JS")
        if age not in (None, ""):
            if not isinstance(age, int) or isinstance(age, bool) or not 0 <= age <= 17:
                problems.setdefault(f"child-{number}-age", f"Child {number}'s age must be a whole number from 0 to 17")
        else:
            age = None
        if gender not in GENDERS:
            problems.setdefault(f"child-{number}-gender", f"Choose child {number}'s gender from the list")
        out.append({"initials": initials.upper(), "age": age, "gender": gender})
    return out


def check_details(kind: str, received_on: date, today: date, details: dict, children: list[dict]) -> dict:
    """The harm-test intake rules. Returns the cleaned details; raises CaseError naming every problem.

    A referral meets the harm test (at least one of its four criteria) and has a category and the person's
    name; a consultation is advice where the test is not met, so it names no criterion. Dates cannot be in
    the future, and the concern cannot come after the contact with the LADO."""
    problems: dict[str, str] = {}
    if kind not in KINDS:
        problems["kind"] = "Choose consultation or referral"
    if received_on > today:
        problems["received_on"] = "The date of the contact cannot be in the future"
    concern_on = details.get("concern_on")
    if concern_on is not None and concern_on > received_on:
        problems["concern_on"] = "The concern must be on or before the date the LADO was contacted"
    criteria = list(dict.fromkeys(details.get("harm_criteria") or []))
    if any(c not in HARM_TEST for c in criteria):
        problems["harm_criteria"] = "Choose the harm test criteria from the list"
    elif kind == "referral" and not criteria:
        problems["harm_criteria"] = ("Choose at least one harm test criterion: a referral meets the harm test "
                                     "(otherwise record a consultation)")
    elif kind == "consultation" and criteria:
        problems["harm_criteria"] = ("A contact that meets the harm test is a referral: record it as a referral, "
                                     "or leave the criteria unticked for advice only")
    category = _choice(problems, "category", details.get("category"), CATEGORIES, "Choose the category from the list",
                       required=False)
    if kind == "referral" and not category:
        problems.setdefault("category", "Choose the category of the allegation")
    agency = details.get("referrer_agency")
    if agency is not None and not isinstance(agency, Agency):
        problems["referrer_agency"] = "Choose the referring agency from the list"
    cleaned = {
        "concern_on": concern_on,
        "harm_criteria": [c for c in HARM_TEST if c in criteria],  # in the order the guidance lists them
        "outside_work": bool(details.get("outside_work")),
        "category": category,
        "summary": _text(problems, "summary", details.get("summary"), "The summary", LONG_TEXT,
                         required="Describe the concern", multiline=True),
        "referrer_agency": agency,
        "referrer_name": _text(problems, "referrer_name", details.get("referrer_name"), "The referrer's name"),
        "referrer_role": _text(problems, "referrer_role", details.get("referrer_role"), "The referrer's role"),
        "referrer_contact": _text(problems, "referrer_contact", details.get("referrer_contact"),
                                  "The referrer's contact details"),
        "referring_sector": _choice(problems, "referring_sector", details.get("referring_sector"), SECTORS,
                                    "Choose where the referral came from"),
        "person_name": _text(problems, "person_name", details.get("person_name"), "The name",
                             required="Enter the name of the person the allegation is about"
                             if kind == "referral" else ""),
        "person_role": _text(problems, "person_role", details.get("person_role"), "The role",
                             required="Enter the person's role, like teaching assistant"
                             if kind == "referral" else ""),
        "person_employer": _text(problems, "person_employer", details.get("person_employer"), "The employer"),
        "employer_sector": _choice(problems, "employer_sector", details.get("employer_sector"), EMPLOYER_SECTORS,
                                   "Choose the sector the person works in"),
        "employment_type": _choice(problems, "employment_type", details.get("employment_type") or "not_known",
                                   EMPLOYMENT_TYPES, "Choose how the person works from the list"),
        "person_born_on": details.get("person_born_on"),
        "person_pension_on": details.get("person_pension_on"),
    }
    born, pension = cleaned["person_born_on"], cleaned["person_pension_on"]
    if born is not None and born > today:
        problems.setdefault("person_born_on", "The date of birth cannot be in the future")
    if born is not None and pension is not None and pension <= born:
        problems.setdefault("person_pension_on", "The pension age date must be after the date of birth")
    kids = _children(problems, children)
    if problems:
        raise CaseError(problems)
    cleaned["children"] = kids
    return cleaned


def _apply(case: LadoCase, cleaned: dict) -> list[str]:
    """Write the cleaned details; the names of the fields that changed."""
    changed = []
    for name in DETAIL_FIELDS:
        value = cleaned[name]
        if name == "referrer_agency":
            if case.referrer_agency_id != getattr(value, "id", None):
                case.referrer_agency = value
                changed.append(name)
        elif getattr(case, name) != value:
            setattr(case, name, value)
            changed.append(name)
    wanted = [(c["initials"], c["age"], c["gender"]) for c in cleaned["children"]]
    if [(c.initials, c.age, c.gender) for c in case.children] != wanted:
        case.children.clear()
        case.children.extend(LadoChild(initials=i, age=a, gender=g) for i, a, g in wanted)
        changed.append("children")
    return changed


# -- intake ----------------------------------------------------------------------------------------------


def create_case(*, kind: str, local_authority: LocalAuthority, received_on: date, today: date, details: dict,
                children: list[dict], source: str = "lado", submitted_by=None, allocated_to=None,
                actor_label: str = "") -> LadoCase:
    """Record a contact: a consultation or a referral. ``local_authority`` must already be one the caller
    may record cases for (a LADO service, within the member's limit). A LADO who records a contact takes
    it on (``allocated_to``); one sent from outside the service waits for a LADO to take it."""
    cleaned = check_details(kind, received_on, today, details, children)
    reference = next_reference(reference_code(local_authority.name, local_authority.key), received_on.year)
    case = LadoCase(reference=reference, local_authority=local_authority, kind=kind, status="open", source=source,
                    received_on=received_on, referred_on=received_on if kind == "referral" else None,
                    submitted_by_id=getattr(submitted_by, "id", None))
    if allocated_to is not None:
        case.allocated_to, case.allocated_at = allocated_to, utcnow()
    _apply(case, cleaned)
    db.session.add(case)
    how = {"agency_form": " through the referral form", "api": " through the API"}.get(source, "")
    add_entry(case, received_on, f"{KINDS[kind]} received{how}", author_label=actor_label)
    db.session.flush()
    record(f"lado.{kind}.recorded", case, summary=f"Recorded {kind} {case.reference}",
           details={"reference": case.reference, "source": source, "local_authority": local_authority.key})
    return case


def referral_recipients(settings: dict | None, local_authority: LocalAuthority) -> list[str]:
    """Who is told of a new referral at once: the LADO service of its local authority (its address in the
    settings); without one, whoever gets the daily reminders about that authority (the settings' reminder
    addresses, else the LADO officers who work for it), so that a referral never waits unannounced."""
    address = service_emails(settings).get(local_authority.key)
    if address:
        return [address]
    explicit = list((settings or {}).get("reminder_emails") or [])
    if explicit:
        return explicit
    return sorted({email for email, limit in officers() if limit is None or local_authority.id in limit})


def announce_referral(case: LadoCase, settings: dict | None, partnership: str, cases_link: str) -> list[str]:
    """Email the LADO service that a referral is waiting, in the caller's transaction (so a referral that is
    not saved announces nothing). Email leaves the platform: it gives the reference and the local authority,
    never a name, a role, an employer, a child or the allegation. Returns the addresses told."""
    recipients = referral_recipients(settings, case.local_authority)
    subject = f"{partnership} LADO: a new referral is waiting"
    body = (f"A new referral, {case.reference}, was sent to the LADO service of {case.local_authority.name} "
            f"on {case.received_on:%-d %B %Y}. It waits at the top of the case list, marked as new, until a LADO "
            f"takes it on:\n\n{cases_link}\n\n"
            "This email carries no details of the referral: sign in to read it.")
    for address in recipients:
        queue_email(address, subject, body, purpose="lado-referral")
    return recipients


def allocate(case: LadoCase, user, today: date, actor_label: str = "") -> LadoCase:
    """A LADO takes the case on (or over from a colleague)."""
    _require_open(case, "it cannot be allocated")
    if case.allocated_to_id == user.id:
        raise CaseError("The case is allocated to you already")
    case.allocated_to, case.allocated_at = user, utcnow()
    add_entry(case, today, f"Allocated to {user.name or user.email}", author_label=actor_label)
    record("lado.case.allocated", case, summary=f"Allocated {case.reference}",
           details={"reference": case.reference, "allocated_to": user.id})
    return case


def update_details(case: LadoCase, today: date, details: dict, children: list[dict], actor_label: str = "",
                   policy: Policy | None = None) -> list[str]:
    """Change what the case records about the contact, the person and the children."""
    _require_not_removed(case)
    cleaned = check_details(case.kind, case.received_on, today, details, children)
    changed = _apply(case, cleaned)
    if changed:
        add_entry(case, today, "Details changed: " + ", ".join(n.replace("_", " ") for n in changed),
                  author_label=actor_label)
        refresh_review_date(case, policy or Policy())
        record("lado.case.updated", case, summary=f"Changed the details of {case.reference}",
               details={"fields": changed})
    return changed


def _require_not_removed(case: LadoCase) -> None:
    if case.removed_on is not None:
        raise CaseError("The personal data of this case was removed: it cannot be changed")


def _require_open(case: LadoCase, what: str) -> None:
    _require_not_removed(case)
    if case.status != "open":
        raise CaseError(f"The case is closed, so {what}")


def _check_day(problems: dict, name: str, day: date | None, today: date, label: str, *, not_before: date | None = None,
               not_before_label: str = "", required: bool = True) -> None:
    if day is None:
        if required:
            problems.setdefault(name, f"Enter {label}")
        return
    if day > today:
        problems.setdefault(name, f"{label[0].upper()}{label[1:]} cannot be in the future")
    elif not_before is not None and day < not_before:
        problems.setdefault(name, f"{label[0].upper()}{label[1:]} cannot be before {not_before_label}")


def convert_to_referral(case: LadoCase, referred_on: date, harm_criteria: list[str], category: str, reason: str,
                        today: date, actor_label: str = "") -> LadoCase:
    """A consultation becomes a referral (new information meets the harm test). The same case: its
    reference, children and record stay, and the referral clock starts on ``referred_on``."""
    _require_open(case, "it cannot become a referral")
    if case.kind != "consultation":
        raise CaseError("Only a consultation can be converted to a referral")
    problems: dict[str, str] = {}
    criteria = [c for c in HARM_TEST if c in set(harm_criteria or [])]
    if not criteria or len(criteria) != len(set(harm_criteria)):
        problems["harm_criteria"] = "Choose at least one harm test criterion the referral meets"
    if category not in CATEGORIES:
        problems["category"] = "Choose the category of the allegation"
    _check_day(problems, "referred_on", referred_on, today, "the date it became a referral",
               not_before=case.received_on, not_before_label="the first contact")
    reason = _text(problems, "reason", reason, "The reason", LONG_TEXT,
                   required="Say what makes it meet the harm test now", multiline=True)
    if not case.person_name or not case.person_role:
        problems.setdefault("", "Enter the name and role of the person the allegation is about in the case "
                                "details first: a referral needs them")
    if problems:
        raise CaseError(problems)
    case.kind, case.referred_on, case.converted_on = "referral", referred_on, referred_on
    case.harm_criteria, case.category = criteria, category
    add_entry(case, referred_on, f"Converted from a consultation to a referral. {reason}", author_label=actor_label)
    record("lado.case.converted", case, summary=f"Converted {case.reference} from a consultation to a referral",
           details={"referred_on": referred_on.isoformat(), "harm_criteria": criteria, "category": category})
    return case


def record_as_consultation(case: LadoCase, reason: str, today: date, actor_label: str = "") -> LadoCase:
    """A referral that does not meet the harm test after all (often one sent through the form) is kept as a
    consultation: advice only. Refused once work on it as a referral has begun."""
    _require_open(case, "it cannot be changed to a consultation")
    if case.kind != "referral":
        raise CaseError("It is a consultation already")
    if case.meetings:
        raise CaseError("Allegation management meetings were held, so it stays a referral: record its outcome")
    problems: dict[str, str] = {}
    reason = _text(problems, "reason", reason, "The reason", LONG_TEXT,
                   required="Say why the harm test is not met", multiline=True)
    if problems:
        raise CaseError(problems)
    case.kind, case.referred_on, case.converted_on, case.harm_criteria = "consultation", None, None, []
    add_entry(case, today, f"Recorded as a consultation: the harm test is not met. {reason}", author_label=actor_label)
    record("lado.case.recorded_as_consultation", case, summary=f"Recorded {case.reference} as a consultation")
    return case


# -- case work -------------------------------------------------------------------------------------------


def _lines(value) -> list[str]:
    if isinstance(value, str):
        value = value.splitlines()
    return [clean(line) for line in value or [] if clean(line)]


def record_meeting(case: LadoCase, kind: str, held_on: date | None, attendees, decisions: str, actions: str,
                   next_review_on: date | None, today: date, actor_label: str = "") -> LadoMeeting:
    """An allegation management meeting. The first is the initial meeting; later ones are reviews."""
    _require_open(case, "no meeting can be recorded")
    if case.kind != "referral":
        raise CaseError("Meetings are held on referrals: convert the consultation to a referral first")
    problems: dict[str, str] = {}
    if kind not in MEETING_KINDS:
        problems["kind"] = "Choose an initial or a review meeting"
    initial = next((m for m in case.meetings if m.kind == "initial"), None)
    if kind == "initial" and initial is not None:
        problems["kind"] = f"The initial meeting was held on {initial.held_on:%-d %B %Y}: record a review meeting"
    if kind == "review" and initial is None:
        problems["kind"] = "Record the initial meeting before a review meeting"
    _check_day(problems, "held_on", held_on, today, "the date of the meeting", not_before=case.received_on,
               not_before_label="the contact with the LADO")
    if kind == "review" and initial is not None and held_on is not None and held_on < initial.held_on:
        problems.setdefault("held_on", "A review meeting cannot be before the initial meeting")
    people = _lines(attendees)
    if not people:
        problems["attendees"] = "List who attended, one person a line"
    elif len(people) > MAX_ATTENDEES or any(len(p) > 300 for p in people):
        problems["attendees"] = f"List at most {MAX_ATTENDEES} people, each in 300 characters or fewer"
    decisions = _text(problems, "decisions", decisions, "The decisions", LONG_TEXT,
                      required="Enter the decisions of the meeting", multiline=True)
    actions = _text(problems, "actions", actions, "The actions", LONG_TEXT, multiline=True)
    if next_review_on is not None and held_on is not None and next_review_on <= held_on:
        problems.setdefault("next_review_on", "The next review must be after the meeting")
    if problems:
        raise CaseError(problems)
    meeting = LadoMeeting(kind=kind, held_on=held_on, attendees=people, decisions=decisions, actions=actions,
                          next_review_on=next_review_on)
    case.meetings.append(meeting)
    db.session.add(meeting)
    add_entry(case, held_on, f"{MEETING_KINDS[kind]} held ({len(people)} attended)", author_label=actor_label)
    db.session.flush()
    record("lado.meeting.recorded", case, summary=f"Recorded {with_article(kind)} meeting of {case.reference}",
           details={"meeting": meeting.id, "held_on": held_on.isoformat()})
    return meeting


def add_employer_action(case: LadoCase, action: str, taken_on: date | None, note: str, today: date,
                        actor_label: str = "") -> LadoEmployerAction:
    _require_not_removed(case)
    problems: dict[str, str] = {}
    _choice(problems, "action", action, EMPLOYER_ACTIONS, "Choose what the employer did")
    _check_day(problems, "taken_on", taken_on, today, "the date of the action")
    note = _text(problems, "note", note, "The note", LONG_TEXT,
                 required="Describe the action" if action == "other" else "", multiline=True)
    if problems:
        raise CaseError(problems)
    row = LadoEmployerAction(action=action, taken_on=taken_on, note=note)
    case.employer_actions.append(row)
    db.session.add(row)
    add_entry(case, taken_on, f"Employer's action: {EMPLOYER_ACTIONS[action]}", author_label=actor_label)
    record("lado.employer_action.recorded", case, summary=f"Recorded the employer's action on {case.reference}",
           details={"action": action, "taken_on": taken_on.isoformat()})
    return row


def set_process(case: LadoCase, kind: str, status: str, started_on: date | None, concluded_on: date | None,
                note: str, today: date, actor_label: str = "") -> LadoProcess:
    """The state of a parallel process (police, children's social care, the employer's disciplinary process):
    one row per kind, updated."""
    _require_not_removed(case)
    problems: dict[str, str] = {}
    _choice(problems, "process_kind", kind, PROCESS_KINDS, "Choose the process from the list")
    _choice(problems, "process_status", status, PROCESS_STATUSES, "Choose where the process is")
    if status != "not_needed":
        _check_day(problems, "started_on", started_on, today, "the date it started", required=False)
    if status == "concluded":
        _check_day(problems, "concluded_on", concluded_on, today, "the date it concluded",
                   not_before=started_on, not_before_label="it started")
    elif concluded_on is not None:
        problems.setdefault("concluded_on", "Give a conclusion date only for a concluded process")
    note = _text(problems, "process_note", note, "The note", LONG_TEXT, multiline=True)
    if problems:
        raise CaseError(problems)
    row = next((p for p in case.processes if p.kind == kind), None)
    if row is None:
        row = LadoProcess(kind=kind)
        case.processes.append(row)
        db.session.add(row)
    row.status, row.note = status, note
    row.started_on = started_on if status != "not_needed" else None
    row.concluded_on = concluded_on if status == "concluded" else None
    add_entry(case, today, f"{PROCESS_KINDS[kind]}: {PROCESS_STATUSES[status].lower()}", author_label=actor_label)
    record("lado.process.updated", case, summary=f"Updated a parallel process of {case.reference}",
           details={"kind": kind, "status": status})
    return row


def add_note(case: LadoCase, happened_on: date | None, text: str, today: date, actor_label: str = ""):
    _require_not_removed(case)
    problems: dict[str, str] = {}
    _check_day(problems, "happened_on", happened_on, today, "the date")
    text = _text(problems, "note_text", text, "The note", LONG_TEXT, required="Enter the note", multiline=True)
    if problems:
        raise CaseError(problems)
    entry = add_entry(case, happened_on, text, kind="note", author_label=actor_label)
    record("lado.note.added", case, summary=f"Added a note to the record of {case.reference}")
    return entry


# -- closing ---------------------------------------------------------------------------------------------


def open_processes(case: LadoCase) -> list[LadoProcess]:
    """The parallel processes still under way (police, children's social care, the employer's disciplinary)."""
    return [p for p in case.processes if p.status == "under_way"]


def open_processes_words(case: LadoCase) -> str:
    """The processes under way, named for a message: "Police investigation, Employer's disciplinary process"."""
    return ", ".join(p.kind_label for p in open_processes(case))


def check_open_processes(problems: dict, case: LadoCase, confirmed: bool, reason) -> str:
    """A case closes while a parallel process is still under way only on the LADO's explicit confirmation
    with a reason: its outcome often waits on the criminal or disciplinary one, but a long wait (a charging
    decision months away) need not hold the LADO's case open. Returns the cleaned reason ("" if none was
    needed); problems go to ``problems``."""
    if not open_processes(case):
        return ""
    still = open_processes_words(case)
    if not confirmed:
        problems.setdefault("confirm_open_processes",
                            f"Still under way: {still}. Confirm that the case closes before "
                            f"{'it ends' if len(open_processes(case)) == 1 else 'they end'}, and say why")
        return ""
    return _text(problems, "open_processes_reason", reason, "The reason", LONG_TEXT, multiline=True,
                 required=f"Say why the case closes while this is still under way: {still}")


def _keep_confirmation(case: LadoCase, reason: str, day: date, actor_label: str) -> None:
    """What the closure was confirmed past: kept on the case (who, when, why), in its record and in the audit
    log (which names the processes, never the reason). A closure past nothing clears an earlier one: the
    fields describe the closure as it stands, and the record keeps the history."""
    kinds = sorted(p.kind for p in open_processes(case))
    if not kinds:
        case.closed_while_open, case.closed_while_open_reason = [], ""
        case.closed_while_open_by, case.closed_while_open_at = "", None
        return
    case.closed_while_open, case.closed_while_open_reason = kinds, reason
    case.closed_while_open_by, case.closed_while_open_at = actor_label, utcnow()
    add_entry(case, day, f"Closed while still under way: {open_processes_words(case)}. {reason}",
              author_label=actor_label)
    record("lado.case.closed_with_open_processes", case,
           summary=f"Closed {case.reference} with a parallel process under way",
           details={"reference": case.reference, "processes": kinds})


def close_consultation(case: LadoCase, advice: str, closed_on: date | None, today: date, policy: Policy,
                       actor_label: str = "", *, confirm_open_processes: bool = False,
                       open_processes_reason: str = "") -> LadoCase:
    _require_open(case, "it was closed already")
    if case.kind != "consultation":
        raise CaseError("A referral is closed by recording its outcome")
    problems: dict[str, str] = {}
    advice = _text(problems, "advice", advice, "The advice", LONG_TEXT, required="Enter the advice given",
                   multiline=True)
    _check_day(problems, "closed_on", closed_on, today, "the date the advice was given",
               not_before=case.received_on, not_before_label="the contact")
    reason = check_open_processes(problems, case, confirm_open_processes, open_processes_reason)
    if problems:
        raise CaseError(problems)
    case.advice, case.status, case.closed_on = advice, "closed", closed_on
    refresh_review_date(case, policy)
    add_entry(case, closed_on, "Consultation closed: advice given", author_label=actor_label)
    _keep_confirmation(case, reason, closed_on, actor_label)
    record("lado.consultation.closed", case, summary=f"Closed consultation {case.reference}")
    return case


FOLLOW_UP_OUTCOMES = frozenset({"substantiated", "unsubstantiated"})


def record_outcome(case: LadoCase, outcome: str, outcome_on: date | None, note: str, today: date, policy: Policy, *,
                   dbs_referred_on: date | None = None, regulator: str = "", regulator_referred_on: date | None = None,
                   employer_learning: str = "", actor_label: str = "", confirm_open_processes: bool = False,
                   open_processes_reason: str = "") -> LadoCase:
    """The outcome of a referral, with its statutory definition, and what follows from it. Recording it
    closes the case and sets its retention review date. An outcome recorded already may be corrected.

    Referrals to the Disclosure and Barring Service or a regulator follow only a substantiated or
    unsubstantiated allegation: one found false, malicious or unfounded is no ground for either. A malicious
    finding needs a note of the evidence of deliberate deception, since it leads to the record's removal.
    With a parallel process still under way, the LADO confirms closing and says why (``check_open_processes``)."""
    _require_not_removed(case)
    if case.kind != "referral":
        raise CaseError("A consultation has no outcome: close it with the advice given, or convert it to a referral")
    problems: dict[str, str] = {}
    _choice(problems, "outcome", outcome, OUTCOMES, "Choose the outcome")
    _check_day(problems, "outcome_on", outcome_on, today, "the date of the outcome", not_before=case.referred_on,
               not_before_label="the referral")
    note = _text(problems, "outcome_note", note, "The note", LONG_TEXT, multiline=True,
                 required="Describe the evidence of a deliberate act to deceive" if outcome == "malicious" else "")
    regulator = _choice(problems, "regulator", regulator, REGULATORS, "Choose the regulator from the list",
                        required=False)
    learning = _text(problems, "employer_learning", employer_learning, "The learning", LONG_TEXT, multiline=True)
    if outcome in OUTCOMES and outcome not in FOLLOW_UP_OUTCOMES:
        label = OUTCOMES[outcome][0].lower()
        if dbs_referred_on is not None:
            problems.setdefault("dbs_referred_on", f"An allegation found {label} is not referred to the Disclosure "
                                                   "and Barring Service")
        if regulator:
            problems.setdefault("regulator", f"An allegation found {label} is not referred to a regulator")
    if dbs_referred_on is not None:
        _check_day(problems, "dbs_referred_on", dbs_referred_on, today, "the date of the DBS referral",
                   not_before=case.referred_on, not_before_label="the referral")
    if regulator and regulator_referred_on is None:
        problems.setdefault("regulator_referred_on", "Enter the date of the referral to the regulator")
    elif not regulator and regulator_referred_on is not None:
        problems.setdefault("regulator", "Choose the regulator the referral went to")
    elif regulator_referred_on is not None:
        _check_day(problems, "regulator_referred_on", regulator_referred_on, today,
                   "the date of the referral to the regulator", not_before=case.referred_on,
                   not_before_label="the referral")
    reason = check_open_processes(problems, case, confirm_open_processes, open_processes_reason)
    if problems:
        raise CaseError(problems)
    before = case.outcome
    case.outcome, case.outcome_note, case.status, case.closed_on = outcome, note, "closed", outcome_on
    case.dbs_referred_on, case.regulator, case.regulator_referred_on = dbs_referred_on, regulator, regulator_referred_on
    case.employer_learning = learning
    case.review_extended = False
    refresh_review_date(case, policy)
    label = OUTCOMES[outcome][0]
    text = f"Outcome: {label}" if not before else f"Outcome changed from {OUTCOMES[before][0]} to {label}"
    add_entry(case, outcome_on, text, author_label=actor_label)
    _keep_confirmation(case, reason, outcome_on, actor_label)
    record("lado.outcome.recorded" if not before else "lado.outcome.changed", case,
           summary=f"{'Recorded' if not before else 'Changed'} the outcome of {case.reference}",
           details={"outcome": outcome, "before": before or None, "outcome_on": outcome_on.isoformat(),
                    "dbs": dbs_referred_on is not None, "regulator": regulator or None})
    touch(case)
    return case
