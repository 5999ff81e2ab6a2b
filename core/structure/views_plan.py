"""Pages for the partnership's priorities and business plan: the progress page, forms for priorities, plan
actions, quarterly themes and their follow-ups, the published arrangements' settings, and the dashboard
panel. The rules live in ``core.structure.plan`` and ``core.structure.arrangements``; these views parse
forms, call them, and commit."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from marshmallow import Schema, fields, validate
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import MultiDict

from core import calendar
from core.auth.access import requires
from core.db import db
from core.plugins.types import DashboardPanel
from core.refusals import show_refusal, submit
from core.structure import arrangements as arrangements_rules
from core.structure import plan
from core.structure.models import (
    PRIORITY_KINDS,
    RAG,
    Body,
    PlanAction,
    Priority,
    QuarterlyTheme,
    ThemeFollowUp,
)
from core.structure.plan import PlanError
from core.web.form_dates import DateInput, DateInputSchema, date_schema, date_values
from core.web.forms import FormErrors, validate_form
from core.web.ids import Id
from core.web.lookup import get_or_404

bp = Blueprint("plan", __name__)

RAG_TAGS = {"red": "govuk-tag--red", "amber": "govuk-tag--orange", "green": "govuk-tag--green",
            "complete": "govuk-tag--grey"}
YEAR_ERROR = "Enter the year as a number, like 2025"


# -- forms ----------------------------------------------------------------------------------------------------
# The schemas only turn text into values; what makes a value acceptable is the domain's to say.


def _year(**kwargs):
    return fields.Integer(load_default=None, error_messages={"invalid": YEAR_ERROR}, strict=False, **kwargs)


class PriorityForm(Schema):
    title = fields.String(load_default="")
    kind = fields.String(load_default="priority")
    starts_year = _year()
    ends_year = _year()
    description = fields.String(load_default="")


class PlanActionForm(DateInputSchema):
    title = fields.String(load_default="")
    owner_body_id = Id(load_default=None, allow_none=True)
    lead = fields.String(load_default="")
    due_on = DateInput("the date the action is due")  # left out: the rule asks for it
    rag = fields.String(load_default="")
    progress = fields.String(load_default="")


class ThemeForm(Schema):
    year = _year()
    quarter = fields.Integer(load_default=None, error_messages={"invalid": "Choose a quarter from the list"})
    set_by_id = Id(load_default=None, allow_none=True)
    title = fields.String(load_default="")
    description = fields.String(load_default="")


class ThemeChangeForm(Schema):
    title = fields.String(load_default="")
    description = fields.String(load_default="")


class FollowUpForm(Schema):
    note = fields.String(load_default="")
    done = fields.Boolean(load_default=False)


class QuarterQuery(Schema):
    year = fields.Integer(load_default=None, validate=validate.Range(min=plan.FIRST_YEAR, max=plan.LAST_YEAR))
    quarter = fields.Integer(load_default=None, validate=validate.Range(min=1, max=4))


ArrangementsForm = date_schema(
    "ArrangementsForm",
    {"arrangements_published": ("the date the arrangements were published", False),
     "review_due_on": ("the date the next review is due", False)},
    review_interval_months=fields.Integer(load_default=None, error_messages={
        "invalid": "Enter how many months between reviews, as a number"}),
    independent_scrutiny=fields.String(load_default=""),
    education_settings=fields.String(load_default=""),
    residential_homes=fields.String(load_default=""),
    thresholds_document_title=fields.String(load_default=""),
    thresholds_document_url=fields.String(load_default=""),
    attendance_threshold_percent=fields.Integer(load_default=None, error_messages={
        "invalid": "Enter a percentage as a whole number, like 75"}),
    # Left out of a form (an older page), the saved value stands; sent blank, it is asked for.
    small_numbers_threshold=fields.Integer(error_messages={
        "invalid": "Enter the smallest count to publish as a whole number, like 5"}),
    invoice_by=fields.String(load_default=""),
    annual_report_due=fields.String(load_default=""),
    reminder_days=fields.String(load_default=""),
)
ReviewForm = date_schema("ReviewForm", {"reviewed_on": ("the date the arrangements were reviewed", True)})


def _bodies(keep: Body | None = None) -> list[Body]:
    """Bodies a record may be given: those still meeting, and the one it already has."""
    bodies = db.session.scalars(select(Body).order_by(Body.position, Body.name)).all()
    return [b for b in bodies if b.status != "dissolved" or b is keep]


def _today() -> date:
    return calendar.london_today()


# -- the progress page -----------------------------------------------------------------------------------------


@bp.route("/")
@requires("core.plan.view")
def index():
    today = _today()
    current_year = plan.quarter_of(today)[0]
    shown, problem = calendar.chosen_year(request.args.get("year"), calendar.FinancialYear(current_year))
    year, errors = shown.start_year, FormErrors()
    if problem:
        errors.add("year", problem)
    priorities, threads = plan.split_kinds(plan.priorities_for_year(year, with_actions=True))
    rows = [(p, plan.ordered_actions(p), plan.progress_of(p.actions, today)) for p in priorities]
    themes = {t.quarter: t for t in plan.themes_for_year(year)}
    quarters = [(q, plan.quarter_label(year, q), themes.get(q)) for q in range(1, 5)]
    years = calendar.years_to_offer(current_year, year, plan.years_with_plan())
    return render_template(
        "plan/index.html", year=year, year_label=plan.year_label(year), current_year=current_year,
        years=years, shown=shown, rows=rows, threads=threads, quarters=quarters, today=today, errors=errors,
        this_quarter=plan.quarter_of(today), period_label=plan.period_label, is_overdue=plan.is_overdue,
        rag_labels=RAG, rag_tags=RAG_TAGS, rag_order=plan.RAG_ORDER,
    ), (400 if errors else 200)


# -- priorities -----------------------------------------------------------------------------------------------


def _priority_form(priority: Priority | None):
    errors, status = FormErrors(), 200
    if priority is None:
        start = plan.quarter_of(_today())[0]
        values = MultiDict({"kind": request.args.get("kind", "priority"), "starts_year": str(start),
                            "ends_year": str(start + 2)})
    else:
        values = MultiDict({"title": priority.title, "kind": priority.kind, "description": priority.description,
                            "starts_year": str(priority.starts_year), "ends_year": str(priority.ends_year)})
    if request.method == "POST":
        values = request.form
        data, errors = validate_form(PriorityForm())
        if not errors:
            def change():
                if priority is None:
                    return plan.create_priority(**data)
                plan.change_priority(priority, **data)
                return priority

            done = submit(change, errors,
                          done=lambda saved: url_for("plan.index", year=_year_shown(saved)) + f"#priority-{saved.id}",
                          flash_message=lambda saved: (f"{PRIORITY_KINDS[saved.kind]} added" if priority is None
                                                       else "Changes saved"))
            if done:
                return done
        status = 400
    return render_template("plan/priority_form.html", priority=priority, values=values, errors=errors,
                           kinds=PRIORITY_KINDS), status


@bp.route("/priorities/new", methods=["GET", "POST"])
@requires("core.plan.manage")
def new_priority():
    return _priority_form(None)


@bp.route("/priorities/<int:priority_id>", methods=["GET", "POST"])
@requires("core.plan.manage")
def edit_priority(priority_id):
    return _priority_form(get_or_404(Priority, priority_id))


# -- plan actions ---------------------------------------------------------------------------------------------


def _action_form(priority: Priority, action: PlanAction | None):
    errors, status = FormErrors(), 200
    if action is None:
        values = MultiDict({"rag": "green"})
    else:
        values = MultiDict({"title": action.title, "owner_body_id": str(action.owner_body_id or ""),
                            "lead": action.lead, "rag": action.rag, "progress": action.progress,
                            **date_values("due_on", action.due_on)})
    if request.method == "POST":
        values = request.form
        data, errors = validate_form(PlanActionForm())
        if not errors:
            done = submit(lambda: (plan.add_plan_action(priority, **data) if action is None
                                   else plan.change_plan_action(action, **data)),
                          errors, done=lambda _: url_for("plan.index", year=_year_shown(priority)) + f"#priority-{priority.id}",
                          flash_message="Action added" if action is None else "Action updated",
                          rename={"priority": "title"})
            if done:
                return done
        status = 400
    bodies = _bodies(action.owner_body if action else None)
    return render_template("plan/action_form.html", priority=priority, action=action, values=values,
                           errors=errors, bodies=bodies, rag_labels=RAG,
                           period=plan.period_label(priority.starts_year, priority.ends_year)), status


def _year_shown(priority: Priority) -> int | None:
    """The year of the progress page that shows the priority: this one if its period covers it."""
    current = plan.quarter_of(_today())[0]
    if plan.covers(priority, current):
        return None
    return priority.starts_year if priority.starts_year > current else priority.ends_year


@bp.route("/priorities/<int:priority_id>/actions/new", methods=["GET", "POST"])
@requires("core.plan.manage")
def new_action(priority_id):
    priority = get_or_404(Priority, priority_id)
    if priority.kind == "thread":
        flash("A cross-cutting thread runs through every priority: add the action under the priority it serves",
              "error")
        return redirect(url_for("plan.index"))
    return _action_form(priority, None)


@bp.route("/actions/<int:plan_action_id>", methods=["GET", "POST"])
@requires("core.plan.manage")
def edit_action(plan_action_id):
    action = get_or_404(PlanAction, plan_action_id)
    return _action_form(action.priority, action)


# -- quarterly themes -----------------------------------------------------------------------------------------


@bp.route("/themes/new", methods=["GET", "POST"])
@requires("core.plan.manage")
def new_theme():
    errors, status = FormErrors(), 200
    query, query_errors = validate_form(QuarterQuery(), request.args)
    year, quarter = plan.quarter_of(_today())
    if not query_errors:
        year, quarter = query["year"] or year, query["quarter"] or quarter
    values = MultiDict({"year": str(year), "quarter": str(quarter)})
    if request.method == "POST":
        values = request.form
        data, errors = validate_form(ThemeForm())
        if not errors:
            try:
                theme = plan.set_theme(**data)
                year, quarter = theme.year, theme.quarter
                db.session.commit()
            except PlanError as exc:
                db.session.rollback()
                show_refusal(errors, exc)
            except IntegrityError:
                # Someone set this quarter's theme between the check and the commit.
                db.session.rollback()
                errors.add("quarter", f"{plan.quarter_label(year, quarter)} already has a theme: change that one")
            else:
                flash(f"Theme set for {plan.quarter_label(year, quarter)}", "success")
                return redirect(url_for("plan.index", year=year) + "#themes")
        status = 400
    years = range(year - 1, year + 3)
    return render_template("plan/theme_form.html", theme=None, values=values, errors=errors, bodies=_bodies(),
                           years=years, year_label=plan.year_label, quarter_months=plan.QUARTER_MONTHS), status


@bp.route("/themes/<int:quarterly_theme_id>", methods=["GET", "POST"])
@requires("core.plan.manage")
def edit_theme(quarterly_theme_id):
    theme = get_or_404(QuarterlyTheme, quarterly_theme_id)
    errors, status = FormErrors(), 200
    values = MultiDict({"title": theme.title, "description": theme.description})
    if request.method == "POST":
        values = request.form
        data, errors = validate_form(ThemeChangeForm())
        if not errors:
            done = submit(lambda: plan.change_theme(theme, **data), errors,
                          done=lambda _: url_for("plan.index", year=theme.year) + "#themes", flash_message="Changes saved")
            if done:
                return done
        status = 400
    return render_template("plan/theme_form.html", theme=theme, values=values, errors=errors,
                           label=plan.quarter_label(theme.year, theme.quarter)), status


@bp.route("/follow-ups/<int:theme_follow_up_id>", methods=["GET", "POST"])
@requires("core.plan.manage")
def edit_follow_up(theme_follow_up_id):
    follow_up = get_or_404(ThemeFollowUp, theme_follow_up_id)
    theme = follow_up.theme
    errors, status = FormErrors(), 200
    values = MultiDict({"note": follow_up.note, "done": "true" if follow_up.done else ""})
    if request.method == "POST":
        values = request.form
        data, errors = validate_form(FollowUpForm())
        if not errors:
            done = submit(lambda: plan.update_follow_up(follow_up, **data), errors,
                          done=lambda _: url_for("plan.index", year=theme.year) + "#themes",
                          flash_message=lambda _: f"Follow-up by {follow_up.body.name} saved")
            if done:
                return done
        status = 400
    return render_template("plan/follow_up_form.html", follow_up=follow_up, theme=theme, values=values,
                           errors=errors, label=plan.quarter_label(theme.year, theme.quarter)), status


# -- the arrangements' settings -------------------------------------------------------------------------------


def _arrangements_values(settings) -> MultiDict:
    values = MultiDict({
        name: str(getattr(settings, name)) for name in arrangements_rules.FIELDS
        if name not in ("review_due_on", "reminder_days")
    })
    values["reminder_days"] = ", ".join(str(d) for d in settings.reminder_days)
    values.update(date_values("review_due_on", settings.review_due_on))
    values.update(date_values("arrangements_published", g.tenant.arrangements_published))
    return values


def _arrangements_page(settings, values, errors, review_values, status: int):
    return render_template(
        "plan/arrangements.html", settings=settings, values=values, errors=errors, review_values=review_values,
        report_due=_next_report_due(settings), last_review=arrangements_rules.latest_review_on(),
        review_overdue=arrangements_rules.review_overdue(settings.review_due_on, _today()),
    ), status


@bp.route("/arrangements", methods=["GET", "POST"])
@requires("core.arrangements.manage")
def arrangements():
    settings = arrangements_rules.read_settings()
    errors, status = FormErrors(), 200
    values = _arrangements_values(settings)
    if request.method == "POST":
        values = request.form
        data, errors = validate_form(ArrangementsForm())
        if not errors:
            published_on = data.pop("arrangements_published")
            done = submit(lambda: arrangements_rules.change_arrangements(g.tenant, data, published_on=published_on),
                          errors, done=url_for("plan.arrangements"), flash_message="Arrangements settings saved")
            if done:
                return done
        status = 400
    return _arrangements_page(settings, values, errors, MultiDict(), status)


@bp.route("/arrangements/review", methods=["POST"])
@requires("core.arrangements.manage")
def record_review():
    data, errors = validate_form(ReviewForm())
    if not errors:
        done = submit(lambda: arrangements_rules.record_review(g.tenant, data["reviewed_on"], today=_today()),
                      errors, done=url_for("plan.arrangements"),
                      flash_message=lambda next_due: f"Review recorded: the next one is due by {next_due:%-d %B %Y}")
        if done:
            return done
    settings = arrangements_rules.read_settings()
    return _arrangements_page(settings, _arrangements_values(settings), errors, request.form, 400)


def _next_report_due(settings) -> tuple[str, date]:
    """The next annual report deadline from today, with the year the report covers."""
    today = _today()
    year = plan.quarter_of(today)[0] - 1
    due = arrangements_rules.annual_report_due_on(year, settings.annual_report_due)
    if due < today:
        year += 1
        due = arrangements_rules.annual_report_due_on(year, settings.annual_report_due)
    return plan.year_label(year), due


# -- the dashboard panel --------------------------------------------------------------------------------------


def dashboard_panel(tenant) -> DashboardPanel:
    """RAG counts of this year's plan, its overdue actions and this quarter's theme, in three queries."""

    def context():
        today = _today()
        year, quarter = plan.quarter_of(today)
        counts, overdue = plan.plan_counts(year, today)
        theme = db.session.scalars(select(QuarterlyTheme).where(
            QuarterlyTheme.year == year, QuarterlyTheme.quarter == quarter)).first()
        return {"counts": [(RAG[r], RAG_TAGS[r], counts[r]) for r in plan.RAG_ORDER], "total": sum(counts.values()),
                "overdue": overdue, "theme": theme.title if theme else None,
                "quarter": plan.quarter_label(year, quarter), "year": plan.year_label(year)}

    return DashboardPanel("Business plan", "plan/panel.html", "core.plan.view", context, order=40)


def arrangements_panel(tenant) -> DashboardPanel:
    """For those who keep the published arrangements: the next review, flagged when it is overdue, and the
    next annual report. One query."""

    def context():
        settings = arrangements_rules.read_settings()
        return {"review_due_on": settings.review_due_on, "report_due": _next_report_due(settings),
                "overdue": arrangements_rules.review_overdue(settings.review_due_on, _today())}

    return DashboardPanel("Published arrangements", "panels/arrangements.html", "core.arrangements.manage", context,
                          order=45)
