"""The LADO API under /api/v1/<tenant>/lado: cases (list with filters, create, read, update, outcome,
conversion, meetings), the figures of a financial year, and an agency's own referrals.

The same rules and the same local authority limit as the pages (``access.case_limit`` and
``cases.limit_to``); every read of a case is in the audit log. A case id the token's holder may not see is
404 before the body is even read, so an answer never tells whether another authority's case exists. A rule's
refusal (``CaseError``) is left to the platform's handler: 422, rolled back, naming the field and the reason.
"""

from __future__ import annotations

from flask import after_this_request, g, request
from flask_smorest import Blueprint, abort
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from core.audit.services import record
from core.auth.access import current_access, requires
from core.calendar import london_today
from core.db import db
from core.tenancy.models import Agency, LocalAuthority
from core.wording import plural
from plugins.lado import access
from plugins.lado import cases as rules
from plugins.lado.figures import as_dict, lado_figures
from plugins.lado.models import LadoCase
from plugins.lado.retention import Policy
from plugins.lado.schemas import (
    CaseCreateSchema,
    CaseDetailSchema,
    CaseQuerySchema,
    CaseSummarySchema,
    ConversionSchema,
    DetailsSchema,
    LadoFiguresSchema,
    MeetingInSchema,
    MeetingOutSchema,
    OutcomeSchema,
    ReferralCreateSchema,
    SubmissionSchema,
    YearQuerySchema,
)
from plugins.lado.timeliness import overdue_cutoff, stale_before
from plugins.lado.views import announce

api_bp = Blueprint("lado_api", __name__, description="LADO: allegations against people who work with children")

READ, MANAGE, FIGURES, SUBMIT = "lado.cases.read", "lado.cases.manage", "lado.figures.view", "lado.referrals.submit"


@api_bp.before_request
def _case_first():
    """Runs after the platform's access check: a case of the URL the principal may not see is 404 here,
    before the request's body is validated."""
    case_id = (request.view_args or {}).get("lado_case_id")
    if case_id is not None:
        g.lado_case = _case(case_id)


def _case(case_id: int, *, full: bool = True) -> LadoCase:
    case = rules.get_case(case_id, access.case_limit(READ), full=full)
    if case is None:
        abort(404, message="no such case")
    return case


def _actor() -> str:
    return getattr(g.principal, "name", "") or getattr(g.principal, "email", "")


def _policy() -> Policy:
    return Policy.from_settings(access.settings())


def _agency(key: str | None) -> Agency | None:
    if not key:
        return None
    agency = db.session.scalars(select(Agency).where(Agency.key == key)).first()
    if agency is None:
        abort(422, errors={"json": {"referrer_agency": ["no agency with this key in the partnership"]}},
              message="unknown agency")
    return agency


def _details(body: dict, case: LadoCase | None = None) -> tuple[dict, list[dict]]:
    """The details for the rules: what the body gives, and for a case being changed, what it has."""
    current = {} if case is None else {
        name: getattr(case, name) for name in rules.DETAIL_FIELDS if name != "referrer_agency"}
    if case is not None:
        current["referrer_agency"] = case.referrer_agency
    details = dict(current)
    for name in rules.DETAIL_FIELDS:
        if name in body:
            details[name] = _agency(body[name]) if name == "referrer_agency" else body[name]
    if "children" in body:
        children = body["children"]
    elif case is not None:
        children = [{"initials": c.initials, "age": c.age, "gender": c.gender} for c in case.children]
    else:
        children = []
    return details, children


def _authority(key: str, permission: str) -> LocalAuthority:
    limit = access.case_limit(permission) if permission else None
    for la in rules.service_authorities(access.settings()):
        if la.key == key and (limit is None or la.id in limit):
            return la
    abort(422, errors={"json": {"local_authority": ["no local authority with this key runs a LADO service you "
                                                    "may record cases for"]}}, message="unknown local authority")


def _viewed(case: LadoCase, what: str = "viewed") -> None:
    """The read goes in the audit log, committed once the answer is written: committing before would expire
    what the answer shows."""
    record(f"lado.case.{what}", case, summary=f"{what.capitalize()} {case.reference} through the API",
           details={"reference": case.reference, "api": True})

    @after_this_request
    def _commit(response):
        db.session.commit()
        return response


# -- cases -----------------------------------------------------------------------------------------------


@api_bp.route("/cases", methods=["GET"])
@api_bp.arguments(CaseQuerySchema, location="query")
@api_bp.response(200, CaseSummarySchema(many=True))
@api_bp.paginate()
@requires(READ)
def list_cases(query, pagination_parameters):
    """Cases of the local authorities the token's holder works for, newest first."""
    limit = access.case_limit(READ)
    stmt = rules.limit_to(select(LadoCase), limit)
    if query["kind"]:
        stmt = stmt.where(LadoCase.kind == query["kind"])
    if query["status"]:
        stmt = stmt.where(LadoCase.status == query["status"])
    if query["local_authority"]:
        la_id = db.session.scalar(select(LocalAuthority.id).where(LocalAuthority.key == query["local_authority"]))
        if la_id is None or (limit is not None and la_id not in limit):
            abort(422, errors={"query": {"local_authority": ["no such local authority"]}}, message="unknown local authority")
        stmt = stmt.where(LadoCase.local_authority_id == la_id)
    today = london_today()
    if query["flag"] == "overdue":
        stmt = stmt.where(LadoCase.kind == "referral", LadoCase.status == "open",
                          LadoCase.referred_on <= overdue_cutoff(today, 1))
    elif query["flag"] == "stale":
        stmt = stmt.where(LadoCase.status == "open",
                          LadoCase.last_activity_at < stale_before(today, access.settings().get("stale_days", 20)))
    elif query["flag"] == "review":
        stmt = stmt.where(LadoCase.removed_on.is_(None), LadoCase.review_on <= today)
    if query["q"]:
        words = query["q"].lower()
        stmt = stmt.where(func.lower(LadoCase.reference).contains(words, autoescape=True)
                          | func.lower(LadoCase.person_name).contains(words, autoescape=True))
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    pagination_parameters.item_count = total
    if pagination_parameters.first_item >= total:
        return []
    rows = db.session.scalars(
        stmt.options(selectinload(LadoCase.local_authority)).order_by(LadoCase.received_on.desc(), LadoCase.id.desc())
        .limit(pagination_parameters.page_size).offset(pagination_parameters.first_item)
    ).all()
    if rows:
        record("lado.cases.listed", object_type="LadoCase", object_id="",
               summary=f"Listed {plural(len(rows), 'LADO case')} through the API",
               details={"cases": [c.id for c in rows]})
        db.session.commit()
    return rows


@api_bp.route("/cases", methods=["POST"])
@api_bp.arguments(CaseCreateSchema)
@api_bp.response(201, CaseDetailSchema)
@requires(MANAGE)
def create_case(body):
    """Record a consultation (advice only, no harm test criterion) or a referral (at least one criterion,
    a category, the person's name and role), allocated to the token's holder."""
    local_authority = _authority(body["local_authority"], MANAGE)
    details, children = _details(body)
    today = london_today()
    case = rules.create_case(kind=body["kind"], local_authority=local_authority, received_on=body["received_on"],
                             today=today, details=details, children=children, source="api",
                             allocated_to=g.principal, actor_label=_actor())
    db.session.commit()
    return _case(case.id)


@api_bp.route("/cases/<int:lado_case_id>", methods=["GET"])
@api_bp.response(200, CaseDetailSchema)
@requires(READ)
def get_case(lado_case_id):
    """A case file: details, children, meetings, the employer's actions, parallel processes, the outcome,
    retention and the chronological record, with its timeliness."""
    case = g.lado_case
    _viewed(case)
    return case


@api_bp.route("/cases/<int:lado_case_id>", methods=["PATCH"])
@api_bp.arguments(DetailsSchema(partial=True))
@api_bp.response(200, CaseDetailSchema)
@requires(MANAGE)
def update_case(body, lado_case_id):
    """Change the details: fields left out keep their values; ``children``, when given, replaces the list."""
    case = g.lado_case
    details, children = _details(body, case)
    rules.update_details(case, london_today(), details, children, actor_label=_actor(), policy=_policy())
    db.session.commit()
    return _case(lado_case_id)


@api_bp.route("/cases/<int:lado_case_id>/outcome", methods=["POST"])
@api_bp.arguments(OutcomeSchema)
@api_bp.response(200, CaseDetailSchema)
@requires(MANAGE)
def record_outcome(body, lado_case_id):
    """Record (or correct) a referral's outcome: substantiated, malicious, false, unsubstantiated or
    unfounded; it closes the case and sets its retention review date. While a parallel process is still
    under way it is refused (422 on ``confirm_open_processes``) unless confirmed with a reason."""
    case = g.lado_case
    rules.record_outcome(case, body["outcome"], body["outcome_on"], body["note"], london_today(), _policy(),
                         dbs_referred_on=body["dbs_referred_on"], regulator=body["regulator"],
                         regulator_referred_on=body["regulator_referred_on"],
                         employer_learning=body["employer_learning"], actor_label=_actor(),
                         confirm_open_processes=body["confirm_open_processes"],
                         open_processes_reason=body["open_processes_reason"])
    db.session.commit()
    return _case(lado_case_id)


@api_bp.route("/cases/<int:lado_case_id>/conversion", methods=["POST"])
@api_bp.arguments(ConversionSchema)
@api_bp.response(200, CaseDetailSchema)
@requires(MANAGE)
def convert(body, lado_case_id):
    """Convert a consultation to a referral, keeping its reference and record."""
    case = g.lado_case
    rules.convert_to_referral(case, body["referred_on"], body["harm_criteria"], body["category"], body["reason"],
                              london_today(), actor_label=_actor())
    db.session.commit()
    return _case(lado_case_id)


@api_bp.route("/cases/<int:lado_case_id>/meetings", methods=["GET"])
@api_bp.response(200, MeetingOutSchema(many=True))
@requires(READ)
def list_meetings(lado_case_id):
    case = g.lado_case
    _viewed(case)
    return case.meetings


@api_bp.route("/cases/<int:lado_case_id>/meetings", methods=["POST"])
@api_bp.arguments(MeetingInSchema)
@api_bp.response(201, MeetingOutSchema)
@requires(MANAGE)
def add_meeting(body, lado_case_id):
    """Record an allegation management meeting: the initial meeting first, then reviews."""
    case = g.lado_case
    meeting = rules.record_meeting(case, body["kind"], body["held_on"], body["attendees"], body["decisions"],
                                   body["actions"], body["next_review_on"], london_today(), actor_label=_actor())
    db.session.commit()
    return meeting


# -- figures ---------------------------------------------------------------------------------------------


@api_bp.route("/figures", methods=["GET"])
@api_bp.arguments(YearQuerySchema, location="query")
@api_bp.response(200, LadoFiguresSchema)
@requires(FIGURES)
def figures(query):
    """Consultations and referrals by local authority with the change on the year before, by referring sector,
    employer sector, category and outcome, and timeliness, for the financial year from 1 April ``year``.
    Percentages are exact fractions of the counts rounded half up to one decimal; null where there is
    nothing to take a percentage of."""
    settings = access.settings()
    return as_dict(lado_figures(query["year"], access.figures_limit(), settings.get("local_authorities") or []))


# -- an agency's referrals -------------------------------------------------------------------------------


@api_bp.route("/referrals", methods=["GET"])
@api_bp.response(200, SubmissionSchema(many=True))
@requires(SUBMIT)
def my_referrals():
    """The referrals the token's holder sent: reference, date and status, nothing of the case work."""
    return db.session.scalars(
        select(LadoCase).where(LadoCase.submitted_by_id == g.principal.id)
        .options(selectinload(LadoCase.local_authority)).order_by(LadoCase.received_on.desc(), LadoCase.id.desc())
    ).all()


@api_bp.route("/referrals", methods=["POST"])
@api_bp.arguments(ReferralCreateSchema)
@api_bp.response(201, SubmissionSchema)
@requires(SUBMIT)
def refer(body):
    """Refer an allegation: a referral received today, from the token's holder (and their agency). The LADO
    service of the local authority is told at once by email (the reference, nothing of the allegation)."""
    local_authority = _authority(body["local_authority"], "")
    details, children = _details({k: v for k, v in body.items() if k != "referrer_agency"})
    membership = current_access().membership
    details["referrer_agency"] = membership.agency if membership else None
    details["referrer_name"] = g.principal.name
    details["referrer_contact"] = details.get("referrer_contact") or g.principal.email
    today = london_today()
    case = rules.create_case(kind="referral", local_authority=local_authority, received_on=today, today=today,
                             details=details, children=children, source="agency_form", submitted_by=g.principal,
                             actor_label=g.principal.name)
    announce(case)
    db.session.commit()
    return db.session.scalars(select(LadoCase).where(LadoCase.id == case.id)
                              .options(selectinload(LadoCase.local_authority))).one()
