"""Pages for the education and care settings the partnership covers, and its forums for designated
safeguarding leads. Rules live in ``core.structure.settings_counts``."""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for

from core import calendar
from core.auth.access import requires
from core.refusals import submit
from core.structure import settings_counts
from core.structure.funding import long_date
from core.structure.models import SETTING_KINDS
from core.web.form_dates import date_values, read_date
from core.web.forms import FormErrors

bp = Blueprint("education", __name__)


@bp.route("/")
@requires("core.structure.view")
def index():
    education_text, residential_text = settings_counts.published_text()
    return render_template("education/index.html", table=settings_counts.load_table(),
                           forums=settings_counts.forums(), education_text=education_text,
                           residential_text=residential_text, long_date=long_date)


@bp.route("/counts", methods=["GET", "POST"])
@requires("core.arrangements.manage")
def edit_counts():
    table = settings_counts.load_table()
    errors = FormErrors()
    if request.method == "POST":
        values = request.form
        as_of = read_date("as_of", "The date counted", errors)
        entries = {
            (la.key, kind): (request.form.get(settings_counts.field_name("count", la.key, kind), ""),
                             request.form.get(settings_counts.field_name("note", la.key, kind), ""))
            for la in table.local_authorities for kind in SETTING_KINDS
        }
        if not errors:
            done = submit(lambda: settings_counts.save_counts(entries, as_of, calendar.london_today()), errors,
                          done=url_for("education.index"),
                          flash_message=lambda changed: "Counts saved" if changed else "No counts were changed")
            if done:
                return done
    else:
        values = date_values("as_of", table.counted_on)
        for row in table.rows:
            for la, cell in zip(table.local_authorities, row.cells, strict=True):
                values[settings_counts.field_name("count", la.key, row.kind)] = (
                    "" if cell.count is None else str(cell.count))
                values[settings_counts.field_name("note", la.key, row.kind)] = cell.note
    return render_template("education/edit.html", table=table, kinds=SETTING_KINDS, values=values, errors=errors,
                           field_name=settings_counts.field_name), 400 if errors else 200
