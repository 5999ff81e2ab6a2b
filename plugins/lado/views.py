"""Pages of the LADO module, in three blueprints so that the menu marks the right one:

- ``lado``: the LADO's cases (list, record, case file, case work, outcome, retention, downloads);
- ``lado_figures``: the annual report's figures with charts and downloads (aggregates only);
- ``lado_referrals``: an agency's referral form and the referrer's own referrals (reference and status).

Views are thin: rules are in ``plugins.lado.cases``, ``retention``, ``figures``. Every case is looked up
through ``_case`` (tenant by the session, local authority limit by ``access.case_limit``: another authority's
case is 404), and every view or download of a case file is in the audit log.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from sqlalchemy import case as when
from sqlalchemy import false, func, select
from sqlalchemy.orm import selectinload

from core.audit.services import record
from core.auth.access import current_access, member, requires
from core.calendar import FinancialYear, chosen_year, london_today, years_to_offer
from core.charts import bar_chart
from core.db import db
from core.exports import CSV_TYPE, XLSX_TYPE, Sheet, csv_response, download_response, safe_cell, xlsx_response
from core.refusals import show_refusal, submit
from core.tenancy.models import Agency, LocalAuthority
from core.web.form_dates import date_values
from core.web.forms import FormErrors
from core.web.pagination import page_of
from core.wording import plural
from plugins.lado import access, retention
from plugins.lado import cases as rules
from plugins.lado.common import CaseError
from plugins.lado.figures import figures_csv, figures_xlsx, lado_figures, years_with_cases
from plugins.lado.forms import Reader
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
    SOURCES,
    STATUSES,
    LadoCase,
)
from plugins.lado.retention import Policy
from plugins.lado.timeliness import EXPECTED_SHARE, MILESTONES, overdue_cutoff, stale_before, timeliness

bp = Blueprint("lado", __name__, template_folder="templates")
figures_bp = Blueprint("lado_figures", __name__, template_folder="templates")
referrals_bp = Blueprint("lado_referrals", __name__, template_folder="templates")

READ, MANAGE, EXPORT = "lado.cases.read", "lado.cases.manage", "lado.cases.export"
RETENTION, FIGURES, SUBMIT = "lado.retention.manage", "lado.figures.view", "lado.referrals.submit"
PAGE_SIZE = 25
VOCABULARY = {
    "kinds": KINDS, "statuses": STATUSES, "harm_test": HARM_TEST, "categories": CATEGORIES, "sectors": SECTORS,
    "employer_sectors": EMPLOYER_SECTORS, "employment_types": EMPLOYMENT_TYPES, "genders": GENDERS,
    "outcomes": OUTCOMES, "regulators": REGULATORS, "employer_actions": EMPLOYER_ACTIONS,
    "process_kinds": PROCESS_KINDS, "process_statuses": PROCESS_STATUSES, "meeting_kinds": MEETING_KINDS,
    "sources": SOURCES,
}


# -- helpers ---------------------------------------------------------------------------------------------


def _today() -> date:
    return london_today()


def _actor() -> str:
    principal = g.get("principal")
    return getattr(principal, "name", "") or getattr(principal, "email", "")


def _policy() -> Policy:
    return Policy.from_settings(access.settings())


def _case(lado_case_id: int, permission: str = READ, *, full: bool = False) -> LadoCase:
    """The case of the URL if the principal may use it with ``permission``: the only way views find one."""
    case = rules.get_case(lado_case_id, access.case_limit(permission), full=full)
    if case is None:
        abort(404)
    return case


def _render(template: str, status: int = 200, **context):
    return render_template(template, v=VOCABULARY, today=_today(), **context), status


def _form_values() -> dict:
    values = {key: request.form.get(key, "") for key in request.form}
    values["harm_criteria"] = request.form.getlist("harm_criteria")
    return values


def _case_values(case: LadoCase) -> dict:
    values = {name: getattr(case, name) for name in (
        "category", "summary", "referrer_name", "referrer_role", "referrer_contact", "referring_sector",
        "person_name", "person_role", "person_employer", "employer_sector", "employment_type")}
    values["harm_criteria"] = list(case.harm_criteria or [])
    values["outside_work"] = "true" if case.outside_work else ""
    values["referrer_agency_id"] = str(case.referrer_agency_id or "")
    for prefix in ("concern_on", "person_born_on", "person_pension_on"):
        values.update(date_values(prefix, getattr(case, prefix)))
    for number, child in enumerate(case.children, start=1):
        values.update({f"child-{number}-initials": child.initials, f"child-{number}-age": child.age if child.age is not None else "",
                       f"child-{number}-gender": child.gender})
    return values


def _child_rows(values: dict, existing: int = 0) -> int:
    posted = max((int(k.split("-")[1]) for k in values if k.startswith("child-") and k.split("-")[1].isdigit()),
                 default=0)
    return max(3, existing + 1, posted)


def _read_details(reader: Reader, *, agency_form: bool = False) -> dict:
    """What the case details form holds, for ``rules.check_details``."""
    details = {
        "concern_on": reader.date("concern_on", "the date of the concern"),
        "harm_criteria": reader.many("harm_criteria"),
        "outside_work": reader.ticked("outside_work"),
        "category": reader.choice("category"),
        "summary": reader.text("summary"),
        "referrer_role": reader.text("referrer_role"),
        "referrer_contact": reader.text("referrer_contact"),
        "referring_sector": reader.choice("referring_sector"),
        "person_name": reader.text("person_name"),
        "person_role": reader.text("person_role"),
        "person_employer": reader.text("person_employer"),
        "employer_sector": reader.choice("employer_sector"),
        "employment_type": reader.choice("employment_type") or "not_known",
        "person_born_on": reader.date("person_born_on", "the date of birth", first_year=1900),
        "person_pension_on": reader.date("person_pension_on", "the pension age date", first_year=1950),
    }
    if not agency_form:
        details["referrer_name"] = reader.text("referrer_name")
        agency_id = reader.id("referrer_agency_id", "Choose the referring agency from the list")
        agency = db.session.get(Agency, agency_id) if agency_id else None
        if agency_id and agency is None:  # another partnership's agency is simply not in the list
            reader.errors.add("referrer_agency_id", "Choose the referring agency from the list")
        details["referrer_agency"] = agency
    return details


def _agencies() -> list[Agency]:
    return list(db.session.scalars(select(Agency).order_by(Agency.name)))


def _recordable_authorities(permission: str = MANAGE) -> list[LocalAuthority]:
    """Local authorities running a LADO service that the principal may record cases for."""
    limit = access.case_limit(permission)
    return [la for la in rules.service_authorities(access.settings()) if limit is None or la.id in limit]


def announce(case: LadoCase) -> None:
    """Tell the LADO service of a referral sent from outside it, in the transaction that saves it."""
    link = current_app.config["PUBLIC_BASE_URL"].rstrip("/") + url_for("lado.cases")
    rules.announce_referral(case, access.settings(), g.tenant.short_name, link)


# -- the module's front door -----------------------------------------------------------------------------


@bp.route("/")
@member
def index():
    """Sends each member to the part of the module they may use."""
    if access.may(READ):
        return redirect(url_for("lado.cases"))
    if current_access().can(FIGURES):
        return redirect(url_for("lado_figures.index"))
    if current_access().can(SUBMIT):
        return redirect(url_for("lado_referrals.mine"))
    abort(403)


# -- the list of cases -----------------------------------------------------------------------------------

FLAGS = {"": "Any", "overdue": "Referral open past one month", "stale": "No recent activity",
         "review": "Due for review or removal"}


def _filtered(limit: frozenset[int] | None, args, errors: FormErrors):
    """The cases query for the list and its downloads, from the query string; problems go to ``errors``."""
    stmt = rules.limit_to(select(LadoCase), limit)
    chosen = {name: args.get(name, "").strip() for name in ("kind", "status", "la", "flag", "q")}
    if chosen["kind"]:
        if chosen["kind"] in KINDS:
            stmt = stmt.where(LadoCase.kind == chosen["kind"])
        else:
            errors.add("kind", "Choose consultations or referrals")
    if chosen["status"]:
        if chosen["status"] in STATUSES:
            stmt = stmt.where(LadoCase.status == chosen["status"])
        else:
            errors.add("status", "Choose open or closed")
    if chosen["la"]:
        la_id = db.session.scalar(select(LocalAuthority.id).where(LocalAuthority.key == chosen["la"]))
        if la_id is None or (limit is not None and la_id not in limit):
            errors.add("la", "Choose a local authority from the list")
        else:
            stmt = stmt.where(LadoCase.local_authority_id == la_id)
    today = _today()
    if chosen["flag"] == "overdue":
        stmt = stmt.where(LadoCase.kind == "referral", LadoCase.status == "open",
                          LadoCase.referred_on <= overdue_cutoff(today, 1))
    elif chosen["flag"] == "stale":
        stmt = stmt.where(LadoCase.status == "open",
                          LadoCase.last_activity_at < stale_before(today, access.settings().get("stale_days", 20)))
    elif chosen["flag"] == "review":
        stmt = stmt.where(LadoCase.removed_on.is_(None), LadoCase.review_on <= today)
    elif chosen["flag"]:
        errors.add("flag", "Choose from the list")
    if chosen["q"]:
        if len(chosen["q"]) > 100:
            errors.add("q", "Search with 100 characters or fewer")
        else:
            words = chosen["q"].lower()
            stmt = stmt.where(func.lower(LadoCase.reference).contains(words, autoescape=True)
                              | func.lower(LadoCase.person_name).contains(words, autoescape=True))
    return stmt, chosen


def _authorities(limit: frozenset[int] | None) -> list[LocalAuthority]:
    las = db.session.scalars(select(LocalAuthority).order_by(LocalAuthority.name)).all()
    return [la for la in las if limit is None or la.id in limit]


@bp.route("/cases/")
@requires(READ)
def cases():
    limit = access.case_limit(READ)
    errors = FormErrors()
    stmt, chosen = _filtered(limit, request.args, errors)
    if errors:
        stmt = stmt.where(false())
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    page = page_of(total, PAGE_SIZE, request.args.get("page"))
    # New referrals no LADO has taken on come first, whatever their date, so that none waits unseen.
    rows = db.session.scalars(
        stmt.options(selectinload(LadoCase.local_authority))
        .order_by(when((LadoCase.awaiting_allocation, 0), else_=1), LadoCase.received_on.desc(), LadoCase.id.desc())
        .limit(page.size).offset(page.offset)
    ).all()
    if rows:
        # A list of names is a view of case data: who saw which cases is in the audit log.
        record("lado.cases.listed", object_type="LadoCase", object_id="",
               summary=f"Listed {plural(len(rows), 'LADO case')}",
               details={"cases": [c.id for c in rows]})
    today = _today()
    stale_moment = stale_before(today, access.settings().get("stale_days", 20))
    result = _render("lado/cases.html", 400 if errors else 200, cases=rows, total=total, page=page.number,
                     pages=page.pages, chosen=chosen, errors=errors, authorities=_authorities(limit), flags=FLAGS,
                     clocks={c.id: timeliness(c, today) for c in rows}, stale_moment=stale_moment,
                     manage=access.may(MANAGE), export=access.may(EXPORT))
    db.session.commit()  # after rendering: committing first would expire every case the page shows
    return result


EXPORT_HEADER = ["Reference", "Kind", "Status", "Local authority", "Received", "Concern", "Referred", "Closed",
                 "Harm test", "Category", "Referring sector", "Employer sector", "Person", "Role", "Employer",
                 "Outcome", "Working days (referral to outcome or today)", "Timeliness", "Review date",
                 "Personal data removed"]


def _export_rows(rows: list[LadoCase]) -> list[list]:
    today = _today()
    out = []
    for c in rows:
        clock = timeliness(c, today)
        out.append([c.reference, c.kind_label, STATUSES.get(c.status, c.status), safe_cell(c.local_authority.name),
                    c.received_on, c.concern_on or "", c.referred_on or "", c.closed_on or "",
                    ", ".join(c.harm_criteria or []), CATEGORIES.get(c.category, ""),
                    SECTORS.get(c.referring_sector, ""), SECTORS.get(c.employer_sector, ""), safe_cell(c.person_name),
                    safe_cell(c.person_role), safe_cell(c.person_employer), c.outcome_label,
                    clock.working_days if clock.working_days is not None else "", clock.summary,
                    c.review_on or "", c.removed_on or ""])
    return out


def _export(kind: str):
    limit = access.case_limit(EXPORT)
    errors = FormErrors()
    stmt, _chosen = _filtered(limit, request.args, errors)
    if errors:
        abort(400, "; ".join(errors.fields.values()))
    rows = db.session.scalars(stmt.options(selectinload(LadoCase.local_authority))
                              .order_by(LadoCase.received_on, LadoCase.id)).all()
    for case in rows:
        record("lado.case.exported", case, summary=f"Exported {case.reference} ({kind.upper()})",
               details={"reference": case.reference, "format": kind})
    table = _export_rows(rows)
    db.session.commit()  # the audit rows go with the download: written before anything is sent
    name = f"lado-cases-{g.tenant.slug}-{_today().isoformat()}"
    # Case data: never kept in a cache (the audit rows above say who took it).
    if kind == "csv":
        return csv_response([EXPORT_HEADER, *table], f"{name}.csv", confidential=True)
    return xlsx_response([Sheet("LADO cases", table, header=EXPORT_HEADER)], f"{name}.xlsx", confidential=True)


@bp.route("/cases.csv")
@requires(EXPORT)
def cases_csv():
    return _export("csv")


@bp.route("/cases.xlsx")
@requires(EXPORT)
def cases_xlsx():
    return _export("xlsx")


# -- recording a contact ---------------------------------------------------------------------------------


def _details_page(template: str, errors: FormErrors, values: dict, status: int = 200, **context):
    return _render(template, status, errors=errors, values=values, agencies=_agencies(),
                   child_rows=_child_rows(values, context.pop("existing_children", 0)), **context)


@bp.route("/cases/new", methods=["GET", "POST"])
@requires(MANAGE)
def new_case():
    authorities = _recordable_authorities()
    if request.method == "GET":
        values = {"kind": request.args.get("kind", ""), **date_values("received_on", _today())}
        if len(authorities) == 1:
            values["local_authority_id"] = str(authorities[0].id)
        return _details_page("lado/new.html", FormErrors(), values, authorities=authorities)
    reader = Reader(request.form)
    kind = reader.choice("kind")
    la_id = reader.id("local_authority_id", "Choose the local authority from the list")
    local_authority = next((la for la in authorities if la.id == la_id), None)
    if local_authority is None:
        reader.errors.add("local_authority_id", "Choose the local authority from the list")
    received_on = reader.date("received_on", "the date the LADO was contacted", required=True)
    details = _read_details(reader)
    children = reader.children()
    errors = reader.errors
    try:  # checked even when the boxes above have problems, so that every problem shows at once
        rules.check_details(kind, received_on or _today(), _today(), details, children)
    except CaseError as exc:
        show_refusal(errors, exc, whole="summary")
    if not errors:
        answer = submit(lambda: rules.create_case(kind=kind, local_authority=local_authority, received_on=received_on,
                                                  today=_today(), details=details, children=children,
                                                  allocated_to=g.principal, actor_label=_actor()),
                        errors, done=lambda case: url_for("lado.show", lado_case_id=case.id),
                        flash_message=lambda case: f"{case.kind_label} {case.reference} recorded", whole="summary")
        if answer:
            return answer
    return _details_page("lado/new.html", errors, _form_values(), 400, authorities=authorities)


# -- the case file ---------------------------------------------------------------------------------------


def _case_page(case: LadoCase, errors: FormErrors | None = None, status: int = 200):
    policy, today = _policy(), _today()
    return _render(
        "lado/case.html", status, case=case, clock=timeliness(case, today), errors=errors or FormErrors(),
        values=_form_values() if request.method == "POST" else {}, manage=access.may(MANAGE),
        can_retain=access.may(RETENTION), due=retention.is_due(case, today),
        removable=retention.may_remove(case, today, policy), keep_from=retention.guidance_date(case, policy),
        keep_reason=retention.guidance_reason(case),
        pension_on=retention.pension_date(case, policy), policy=policy,
        initial_held=any(m.kind == "initial" for m in case.meetings), open_processes=rules.open_processes(case),
    )


@bp.route("/cases/<int:lado_case_id>")
@requires(READ)
def show(lado_case_id):
    case = _case(lado_case_id, full=True)
    record("lado.case.viewed", case, summary=f"Viewed {case.reference}", details={"reference": case.reference})
    page = _case_page(case)
    db.session.commit()  # after rendering: committing first would expire what the page shows
    return page


def _checked(reader: Reader, change):
    """``change`` for ``submit`` with ``reader.errors`` as the form's errors: refused too when the form had
    problems of its own (so that what the rule did is rolled back), every problem of the form and of the rule
    each under its field. A refusal of the change as a whole (the case was closed, converted or its data removed
    since the form was opened) comes alone, under ``whole``: the id of something the page always shows, since
    the form it came from may be gone from the page, and what was typed in it no longer matters."""
    def attempt():
        try:
            result = change()
        except CaseError as refusal:
            if "" in refusal.errors:  # the form's own problems no longer matter
                reader.errors.fields.clear()
            raise
        if reader.errors:
            raise CaseError({})
        return result

    return attempt


def _change(lado_case_id: int, change, message: str, section: str, permission: str = MANAGE):
    """Apply a change from a form on the case page: back to the page at its ``section`` (an id the page always
    has), or the page again with the errors, a refusal of the change as a whole leading to that section.

    ``change`` calls its rule even when a date could not be read, so that a case that no longer allows the
    change says so (see ``_checked``); what it did is rolled back with the form's own errors."""
    case = _case(lado_case_id, permission, full=True)
    reader = Reader(request.form)
    answer = submit(_checked(reader, lambda: change(case, reader)), reader.errors,
                    done=url_for("lado.show", lado_case_id=lado_case_id) + f"#{section}", flash_message=message,
                    whole=section)
    return answer or _case_page(_case(lado_case_id, permission, full=True), reader.errors, 400)


@bp.route("/cases/<int:lado_case_id>/details", methods=["GET", "POST"])
@requires(MANAGE)
def edit(lado_case_id):
    case = _case(lado_case_id, MANAGE, full=True)
    if request.method == "GET":
        if case.removed:
            abort(409)
        return _details_page("lado/edit.html", FormErrors(), _case_values(case), case=case,
                             existing_children=len(case.children))
    reader = Reader(request.form)
    details = _read_details(reader)
    children = reader.children()
    errors = reader.errors
    if not errors:
        answer = submit(lambda: rules.update_details(case, _today(), details, children, actor_label=_actor(),
                                                     policy=_policy()),
                        errors, done=url_for("lado.show", lado_case_id=lado_case_id),
                        flash_message="Case details saved", whole="summary")
        if answer:
            return answer
    case = _case(lado_case_id, MANAGE, full=True)
    return _details_page("lado/edit.html", errors, _form_values(), 400, case=case)


@bp.route("/cases/<int:lado_case_id>/conversion", methods=["GET", "POST"])
@requires(MANAGE)
def convert(lado_case_id):
    case = _case(lado_case_id, MANAGE)
    errors = FormErrors()
    values = {**date_values("referred_on", _today()), "harm_criteria": [], "category": case.category}
    if request.method == "POST":
        reader = Reader(request.form)
        referred_on = reader.date("referred_on", "the date it became a referral", required=True)
        answer = submit(_checked(reader, lambda: rules.convert_to_referral(
            case, referred_on, reader.many("harm_criteria"), reader.choice("category"), reader.text("reason"),
            _today(), actor_label=_actor())), reader.errors, done=url_for("lado.show", lado_case_id=lado_case_id),
            flash_message=f"{case.reference} is now a referral", whole="heading")
        if answer:
            return answer
        errors, values, case = reader.errors, _form_values(), _case(lado_case_id, MANAGE)
    return _render("lado/convert.html", 400 if errors else 200, case=case, errors=errors, values=values)


@bp.route("/cases/<int:lado_case_id>/consultation", methods=["POST"])
@requires(MANAGE)
def record_as_consultation(lado_case_id):
    return _change(lado_case_id, lambda case, reader: rules.record_as_consultation(
        case, reader.text("reason"), _today(), actor_label=_actor()),
        "Recorded as a consultation", "details")


def _open_processes_confirmation(reader: Reader) -> dict:
    """The confirmation a closure needs while a parallel process is under way (see the rules)."""
    return {"confirm_open_processes": reader.ticked("confirm_open_processes"),
            "open_processes_reason": reader.text("open_processes_reason")}


@bp.route("/cases/<int:lado_case_id>/allocation", methods=["POST"])
@requires(MANAGE)
def allocate(lado_case_id):
    """The LADO signed in takes the case on (or over from a colleague)."""
    return _change(lado_case_id, lambda case, reader: rules.allocate(case, g.principal, _today(), actor_label=_actor()),
                   "The case is allocated to you", "allocation")


@bp.route("/cases/<int:lado_case_id>/closure", methods=["POST"])
@requires(MANAGE)
def close(lado_case_id):
    def change(case, reader):
        closed_on = reader.date("closed_on", "the date the advice was given", required=True)
        rules.close_consultation(case, reader.text("advice"), closed_on, _today(), _policy(), actor_label=_actor(),
                                 **_open_processes_confirmation(reader))

    return _change(lado_case_id, change, "Consultation closed", "outcome")


@bp.route("/cases/<int:lado_case_id>/meetings/new", methods=["GET", "POST"])
@requires(MANAGE)
def new_meeting(lado_case_id):
    case = _case(lado_case_id, MANAGE, full=True)
    initial_held = any(m.kind == "initial" for m in case.meetings)
    errors = FormErrors()
    values = {"kind": "review" if initial_held else "initial", **date_values("held_on", _today())}
    if request.method == "POST":
        reader = Reader(request.form)
        held_on = reader.date("held_on", "the date of the meeting", required=True)
        next_review = reader.date("next_review_on", "the date of the next review")
        answer = submit(_checked(reader, lambda: rules.record_meeting(
            case, reader.choice("kind"), held_on, reader.text("attendees"), reader.text("decisions"),
            reader.text("actions"), next_review, _today(), actor_label=_actor())), reader.errors,
            done=url_for("lado.show", lado_case_id=lado_case_id) + "#meetings", flash_message="Meeting recorded",
            whole="heading")
        if answer:
            return answer
        errors, values, case = reader.errors, _form_values(), _case(lado_case_id, MANAGE, full=True)
    return _render("lado/meeting.html", 400 if errors else 200, case=case, errors=errors, values=values,
                   initial_held=initial_held)


@bp.route("/cases/<int:lado_case_id>/employer-actions", methods=["POST"])
@requires(MANAGE)
def add_employer_action(lado_case_id):
    def change(case, reader):
        taken_on = reader.date("taken_on", "the date of the action", required=True)
        rules.add_employer_action(case, reader.choice("action"), taken_on, reader.text("note"), _today(),
                                  actor_label=_actor())

    return _change(lado_case_id, change, "Employer's action recorded", "employer")


@bp.route("/cases/<int:lado_case_id>/processes", methods=["POST"])
@requires(MANAGE)
def set_process(lado_case_id):
    def change(case, reader):
        started = reader.date("started_on", "the date it started")
        concluded = reader.date("concluded_on", "the date it concluded")
        rules.set_process(case, reader.choice("process_kind"), reader.choice("process_status"), started, concluded,
                          reader.text("process_note"), _today(), actor_label=_actor())

    return _change(lado_case_id, change, "Parallel process updated", "processes")


@bp.route("/cases/<int:lado_case_id>/notes", methods=["POST"])
@requires(MANAGE)
def add_note(lado_case_id):
    def change(case, reader):
        happened = reader.date("happened_on", "the date", required=True)
        rules.add_note(case, happened, reader.text("note_text"), _today(), actor_label=_actor())

    return _change(lado_case_id, change, "Note added to the case record", "record")


@bp.route("/cases/<int:lado_case_id>/outcome", methods=["GET", "POST"])
@requires(MANAGE)
def outcome(lado_case_id):
    case = _case(lado_case_id, MANAGE)
    errors = FormErrors()
    values = {"outcome": case.outcome, "note": case.outcome_note, "regulator": case.regulator,
              "employer_learning": case.employer_learning, **date_values("outcome_on", case.closed_on or _today()),
              **date_values("dbs_referred_on", case.dbs_referred_on),
              **date_values("regulator_referred_on", case.regulator_referred_on)}
    if request.method == "POST":
        reader = Reader(request.form)
        outcome_on = reader.date("outcome_on", "the date of the outcome", required=True)
        dbs = reader.date("dbs_referred_on", "the date of the DBS referral")
        regulator_on = reader.date("regulator_referred_on", "the date of the referral to the regulator")
        answer = submit(_checked(reader, lambda: rules.record_outcome(
            case, reader.choice("outcome"), outcome_on, reader.text("note"), _today(), _policy(),
            dbs_referred_on=dbs, regulator=reader.choice("regulator"), regulator_referred_on=regulator_on,
            employer_learning=reader.text("employer_learning"), actor_label=_actor(),
            **_open_processes_confirmation(reader))), reader.errors,
            done=url_for("lado.show", lado_case_id=lado_case_id) + "#outcome",
            flash_message=lambda _: f"Outcome of {case.reference} recorded: {case.outcome_label}", whole="heading")
        if answer:
            return answer
        errors, values, case = reader.errors, _form_values(), _case(lado_case_id, MANAGE)
    return _render("lado/outcome.html", 400 if errors else 200, case=case, errors=errors, values=values,
                   open_processes=rules.open_processes(case))


# -- retention -------------------------------------------------------------------------------------------

REVIEW_AHEAD_DAYS = 90


@bp.route("/retention")
@requires(READ)
def retention_list():
    limit = access.case_limit(READ)
    today = _today()
    rows = db.session.scalars(
        rules.limit_to(select(LadoCase), limit).where(LadoCase.removed_on.is_(None),
                                                      LadoCase.review_on <= today + timedelta(days=REVIEW_AHEAD_DAYS))
        .options(selectinload(LadoCase.local_authority)).order_by(LadoCase.review_on, LadoCase.reference)
    ).all()
    if rows:
        record("lado.cases.listed", object_type="LadoCase", object_id="",
               summary=f"Listed {plural(len(rows), 'LADO case')} due for review",
               details={"cases": [c.id for c in rows]})
    result = _render("lado/retention.html", due=[c for c in rows if c.review_on <= today],
                     coming=[c for c in rows if c.review_on > today], ahead=REVIEW_AHEAD_DAYS)
    db.session.commit()  # after rendering, as for the list
    return result


@bp.route("/cases/<int:lado_case_id>/retention", methods=["POST"])
@requires(RETENTION)
def retain(lado_case_id):
    what = request.form.get("decision", "")

    def change(case, reader):
        # Whether the case allows the decision at all comes first: the page shows a decision's form only when
        # it does, so that its fields' errors always have their form beside them.
        if what == "remove":
            retention.check_removal(case, _today(), _policy())
            if not reader.ticked("confirm"):
                raise CaseError("Confirm that the personal data is to be removed: it cannot be undone", "confirm")
            retention.remove_personal_data(case, _today(), actor_label=_actor(), policy=_policy())
        elif what == "keep":
            retention.check_keepable(case)
            until = reader.date("until", "the date of the next review", required=True)
            if until is None:
                raise CaseError({})
            retention.extend_review(case, until, reader.text("reason"), _today(), actor_label=_actor(),
                                    policy=_policy())
        else:
            raise CaseError("Choose to keep the record or remove its personal data")

    message = "Personal data removed" if what == "remove" else "Retention review recorded"
    return _change(lado_case_id, change, message, "retention", permission=RETENTION)


# -- figures ---------------------------------------------------------------------------------------------


def _figures():
    settings = access.settings()
    year, problem = chosen_year(request.args.get("year"), FinancialYear.containing(_today()))
    return year, problem, lado_figures(year, access.figures_limit(), settings.get("local_authorities") or [])


def charts_for(figures) -> dict:
    las = figures.authorities
    t = figures.timeliness
    return {
        "authorities": bar_chart(f"Referrals by local authority, {figures.year.label} and the year before",
                                 [(a.name, a.referrals.this_year) for a in las], id_prefix="lado-las",
                                 second=[a.referrals.last_year for a in las],
                                 series=(figures.year.label, figures.year.previous.label)),
        **{b.key: bar_chart(f"{b.title}, {figures.year.label}", b.chart_rows(), id_prefix=f"lado-{b.key}")
           for b in figures.breakdowns},
        "timeliness": bar_chart(f"Referrals resolved within each expectation, {figures.year.label}",
                                [(f"Within {plural(m, 'month')}", t.within[m]) for m in MILESTONES]
                                + [("More than 12 months", t.beyond_twelve)], id_prefix="lado-timeliness"),
    }


@figures_bp.route("/figures/", endpoint="index")
@requires(FIGURES)
def figures_index():
    year, problem, figures = _figures()
    errors = FormErrors()
    if problem:
        errors.add("year", problem)
    years = years_to_offer(FinancialYear.containing(_today()), year, years_with_cases(access.figures_limit()))
    return _render("lado/figures.html", 400 if errors else 200, figures=figures, year=year, errors=errors, years=years,
                   charts=charts_for(figures), expected=EXPECTED_SHARE, milestones=MILESTONES,
                   reads_cases=access.may(READ))


def _figures_download(kind: str):
    year, problem, figures = _figures()
    if problem:
        abort(400, problem)
    name = f"lado-figures-{g.tenant.slug}-{year.start_year}-{year.start_year + 1}"
    if kind == "csv":
        return download_response(figures_csv(figures), CSV_TYPE, f"{name}.csv", confidential=True)
    return download_response(figures_xlsx(figures), XLSX_TYPE, f"{name}.xlsx", confidential=True)


@figures_bp.route("/figures/figures.csv")
@requires(FIGURES)
def figures_download_csv():
    return _figures_download("csv")


@figures_bp.route("/figures/figures.xlsx")
@requires(FIGURES)
def figures_download_xlsx():
    return _figures_download("xlsx")


# -- an agency's referral --------------------------------------------------------------------------------

SENT_KEY = "lado_sent"


def _my_cases():
    principal = g.principal
    return db.session.scalars(
        select(LadoCase).where(LadoCase.submitted_by_id == principal.id)
        .options(selectinload(LadoCase.local_authority)).order_by(LadoCase.received_on.desc(), LadoCase.id.desc())
    ).all()


@referrals_bp.route("/referrals/")
@requires(SUBMIT)
def mine():
    """What a referrer may know of their referrals: reference, date, local authority and whether it is open."""
    return _render("lado/my_referrals.html", cases=_my_cases())


@referrals_bp.route("/referrals/new", methods=["GET", "POST"])
@requires(SUBMIT)
def refer():
    authorities = rules.service_authorities(access.settings())
    membership = current_access().membership
    if request.method == "GET":
        values = {"referrer_role": membership.job_title if membership else ""}
        if len(authorities) == 1:
            values["local_authority_id"] = str(authorities[0].id)
        return _details_page("lado/refer.html", FormErrors(), values, authorities=authorities)
    reader = Reader(request.form)
    la_id = reader.id("local_authority_id", "Choose the local authority from the list")
    local_authority = next((la for la in authorities if la.id == la_id), None)
    if local_authority is None:
        reader.errors.add("local_authority_id", "Choose the local authority where the person works")
    details = _read_details(reader, agency_form=True)
    principal = g.principal
    details["referrer_name"] = principal.name
    details["referrer_agency"] = membership.agency if membership else None
    if not details["referrer_contact"]:
        details["referrer_contact"] = principal.email
    children = reader.children()
    errors = reader.errors
    try:
        rules.check_details("referral", _today(), _today(), details, children)
    except CaseError as exc:
        show_refusal(errors, exc, whole="summary")
    if not errors:
        case = rules.create_case(kind="referral", local_authority=local_authority, received_on=_today(),
                                 today=_today(), details=details, children=children, source="agency_form",
                                 submitted_by=principal, actor_label=principal.name)
        announce(case)
        db.session.commit()
        session[SENT_KEY] = case.id
        return redirect(url_for("lado_referrals.sent"))
    return _details_page("lado/refer.html", errors, _form_values(), 400, authorities=authorities)


@referrals_bp.route("/referrals/sent")
@requires(SUBMIT)
def sent():
    """The confirmation: the reference of the referral just sent, read back only for whoever sent it."""
    case_id = session.get(SENT_KEY)
    case = None
    if isinstance(case_id, int):
        case = db.session.scalars(select(LadoCase).where(LadoCase.id == case_id,
                                                         LadoCase.submitted_by_id == g.principal.id)).first()
    if case is None:
        return redirect(url_for("lado_referrals.mine"))
    return _render("lado/sent.html", case=case)


# -- the dashboard panel ---------------------------------------------------------------------------------


def panel_context() -> dict:
    """Counts of the cases the member reads: five queries whatever the number of cases."""
    if not access.may(READ):
        return {"closed": True}
    limit = access.case_limit(READ)
    today = _today()
    base = rules.limit_to(select(func.count()).select_from(LadoCase), limit)
    open_count = db.session.scalar(base.where(LadoCase.status == "open"))
    overdue = db.session.scalar(base.where(LadoCase.kind == "referral", LadoCase.status == "open",
                                           LadoCase.referred_on <= overdue_cutoff(today, 1)))
    stale = db.session.scalar(base.where(
        LadoCase.status == "open",
        LadoCase.last_activity_at < stale_before(today, access.settings().get("stale_days", 20))))
    review = db.session.scalar(base.where(LadoCase.removed_on.is_(None), LadoCase.review_on <= today))
    waiting = db.session.scalar(base.where(LadoCase.awaiting_allocation))
    return {"closed": False, "open": open_count, "overdue": overdue, "stale": stale, "review": review,
            "waiting": waiting}
