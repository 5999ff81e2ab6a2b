"""The figures of a LADO annual report, for a financial year and the year before it.

What is counted, and when:

- a **consultation** in the year its contact was received (``received_on``);
- a **referral** in the year it became one (``referred_on``: the contact, or the conversion of a
  consultation). A case is counted once, as what it is now: a consultation converted to a referral counts as
  a referral only;
- **outcomes** and **timeliness** over the referrals whose outcome was recorded in the year (``closed_on``),
  outcomes beside those recorded in the year before;
- the **delay from concern to contact** over the year's consultations and referrals with a concern date.

Breakdowns by referring sector, employer sector and category are of the year's referrals, with the year's
consultations beside them. Cases whose personal data was removed still count: removal keeps these fields.

Percentages are computed from the counts with exact fractions, then rounded half up (away from zero for a
fall) to one decimal place: 2 of 3 is 66.7%, 1 of 8 is 12.5%, a fall from 3 to 2 is -33.3%. A percentage of
nothing (no referrals the year before) is None, shown as "none the year before" rather than as 0% or
infinity. Rounded shares of a breakdown may not add up to exactly 100.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from math import floor

from sqlalchemy import and_, func, or_, select

from core.calendar import FinancialYear, working_days_between, years_spanned
from core.db import db
from core.exports import Sheet, csv_bytes, notes_sheet, safe_cell, xlsx_bytes
from core.suppression import is_shown, share_or_withheld, suppress, suppress_cells
from core.tenancy.models import LocalAuthority
from core.wording import plural
from plugins.lado.models import CATEGORIES, OUTCOMES, SECTORS, LadoCase
from plugins.lado.timeliness import EXPECTED_CONTACT_DAYS, EXPECTED_SHARE, MILESTONES, band

NOT_RECORDED = "Not recorded"


def percent(part: int, whole: int) -> Decimal | None:
    """``part`` of ``whole`` as a percentage to one decimal place, halves away from zero; None of nothing."""
    if whole == 0:
        return None
    exact = Fraction(part * 1000, whole)  # tenths of a percent
    sign = -1 if exact < 0 else 1
    tenths = sign * floor(abs(exact) + Fraction(1, 2))
    return Decimal(tenths).scaleb(-1)


@dataclass(frozen=True)
class Change:
    """A count this year beside last year's: the difference and the change as a percentage of last year."""

    this_year: int
    last_year: int

    @property
    def difference(self) -> int:
        return self.this_year - self.last_year

    @property
    def percent(self) -> Decimal | None:
        return percent(self.difference, self.last_year)

    @property
    def words(self) -> str:
        if self.percent is None:
            return f"+{self.this_year} (none the year before)" if self.this_year else "none either year"
        if self.difference == 0:
            return "no change"
        sign = "+" if self.difference > 0 else ""
        return f"{sign}{self.difference} ({sign}{self.percent}%)"


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    referrals: Change
    consultations: int = 0
    share: Decimal | None = None  # of the year's referrals


@dataclass(frozen=True)
class Breakdown:
    key: str
    title: str
    rows: list[Row]
    total: int

    def chart_rows(self) -> list[tuple[str, int]]:
        return [(row.label, row.referrals.this_year) for row in self.rows]


@dataclass(frozen=True)
class AuthorityRow:
    key: str
    name: str
    consultations: Change
    referrals: Change


@dataclass(frozen=True)
class Timeliness:
    resolved: int
    within: dict[int, int]  # months -> referrals resolved within that many months (cumulative)
    contacts_dated: int  # contacts with a concern date
    contacts_on_time: int  # of those, received within one working day of the concern

    def share(self, months: int) -> Decimal | None:
        return percent(self.within[months], self.resolved)

    @property
    def beyond_twelve(self) -> int:
        return self.resolved - self.within[12]

    def meets(self, months: int) -> bool | None:
        """Whether the share within ``months`` meets the national expectation, compared exactly."""
        if not self.resolved:
            return None
        return 100 * self.within[months] >= EXPECTED_SHARE[months] * self.resolved

    @property
    def contact_share(self) -> Decimal | None:
        return percent(self.contacts_on_time, self.contacts_dated)


@dataclass(frozen=True)
class Figures:
    year: FinancialYear
    authorities: list[AuthorityRow]
    consultations: Change
    referrals: Change
    breakdowns: list[Breakdown] = field(default_factory=list)
    timeliness: Timeliness | None = None

    def breakdown(self, key: str) -> Breakdown:
        return next(b for b in self.breakdowns if b.key == key)


def _in(day: date | None, year: FinancialYear) -> bool:
    return day is not None and year.start <= day <= year.end


def _breakdown(key: str, title: str, vocabulary: dict[str, str], attribute: str, referrals: dict, consultations,
               keep_zero: bool) -> Breakdown:
    this_year = Counter(getattr(r, attribute) or "" for r in referrals["this"])
    last_year = Counter(getattr(r, attribute) or "" for r in referrals["last"])
    advice = Counter(getattr(r, attribute) or "" for r in consultations)
    total = sum(this_year.values())
    keys = [k for k in vocabulary if keep_zero or this_year[k] or last_year[k] or advice[k]]
    # A value outside the vocabulary (a consultation without a category) shows only if a referral has it.
    keys += sorted(k for k in set(this_year) | set(last_year) if k not in vocabulary)
    rows = [Row(k, vocabulary.get(k) or NOT_RECORDED, Change(this_year[k], last_year[k]), advice[k],
                percent(this_year[k], total)) for k in keys]
    # Biggest first, as an annual report lists them; ties in the vocabulary's order.
    order = {k: i for i, k in enumerate(keys)}
    rows.sort(key=lambda r: (-r.referrals.this_year, -r.referrals.last_year, order[r.key]))
    return Breakdown(key, title, rows, total)


def years_with_cases(local_authority_ids: frozenset[int] | None = None) -> range:
    """The years from the first contact to the last (of the local authorities given, when limited), for the
    figures' year picker: one query."""
    stmt = select(func.min(LadoCase.received_on), func.max(LadoCase.received_on))
    if local_authority_ids is not None:
        stmt = stmt.where(LadoCase.local_authority_id.in_(sorted(local_authority_ids)))
    first, last = db.session.execute(stmt).one()
    return years_spanned(first, last)


def lado_figures(year: FinancialYear | int, local_authority_ids: frozenset[int] | None = None,
                 service_keys: list[str] | None = None) -> Figures:
    """Two queries whatever the number of cases: the local authorities, and the columns the figures need of
    every case that falls in the year or the year before."""
    year = year if isinstance(year, FinancialYear) else FinancialYear(year)
    last = FinancialYear(year.start_year - 1)
    authorities = db.session.scalars(select(LocalAuthority).order_by(LocalAuthority.name)).all()
    if local_authority_ids is not None:
        authorities = [la for la in authorities if la.id in local_authority_ids]
    span = and_(LadoCase.received_on >= last.start, LadoCase.received_on <= year.end)
    stmt = select(
        LadoCase.kind, LadoCase.status, LadoCase.local_authority_id, LadoCase.concern_on, LadoCase.received_on,
        LadoCase.referred_on, LadoCase.closed_on, LadoCase.outcome, LadoCase.category, LadoCase.referring_sector,
        LadoCase.employer_sector,
    ).where(or_(span, and_(LadoCase.referred_on >= last.start, LadoCase.referred_on <= year.end),
                and_(LadoCase.closed_on >= last.start, LadoCase.closed_on <= year.end)))
    if local_authority_ids is not None:
        stmt = stmt.where(LadoCase.local_authority_id.in_(sorted(local_authority_ids)))
    rows = db.session.execute(stmt).all()

    def counted(row, fy: FinancialYear) -> bool:
        return _in(row.referred_on if row.kind == "referral" else row.received_on, fy)

    consultations = {fy: [r for r in rows if r.kind == "consultation" and counted(r, y)]
                     for fy, y in (("this", year), ("last", last))}
    referrals = {fy: [r for r in rows if r.kind == "referral" and counted(r, y)]
                 for fy, y in (("this", year), ("last", last))}

    with_cases = {r.local_authority_id for r in rows}
    keep = set(service_keys or [])
    shown = [la for la in authorities if la.id in with_cases or not keep or la.key in keep]
    by_la = []
    for la in shown:
        def count(group, fy, la_id=la.id):
            return sum(1 for r in group[fy] if r.local_authority_id == la_id)
        by_la.append(AuthorityRow(la.key, la.name, Change(count(consultations, "this"), count(consultations, "last")),
                                  Change(count(referrals, "this"), count(referrals, "last"))))

    def concluded(fy: FinancialYear) -> list:
        return [r for r in rows if r.kind == "referral" and r.status == "closed" and _in(r.closed_on, fy)
                and r.referred_on is not None]

    resolved = concluded(year)
    bands = [band(r.referred_on, r.closed_on) for r in resolved]
    within = {m: sum(1 for b in bands if b is not None and b <= m) for m in MILESTONES}
    contacts = [r for r in consultations["this"] + referrals["this"] if r.concern_on is not None]
    on_time = sum(1 for r in contacts if working_days_between(r.concern_on, r.received_on) <= EXPECTED_CONTACT_DAYS)
    outcomes = Counter(r.outcome for r in resolved)
    outcomes_before = Counter(r.outcome for r in concluded(last))
    outcome_rows = [Row(k, label, Change(outcomes[k], outcomes_before[k]), 0, percent(outcomes[k], len(resolved)))
                    for k, (label, _definition) in OUTCOMES.items()]

    breakdowns = [
        _breakdown("referring_sector", "Referrals by referring sector", SECTORS, "referring_sector", referrals,
                   consultations["this"], keep_zero=False),
        _breakdown("employer_sector", "Referrals by the sector the person works in", SECTORS, "employer_sector",
                   referrals, consultations["this"], keep_zero=False),
        _breakdown("category", "Referrals by category", CATEGORIES, "category", referrals, consultations["this"],
                   keep_zero=True),
        Breakdown("outcome", "Outcomes of referrals concluded in the year", outcome_rows, len(resolved)),
    ]
    return Figures(
        year=year, authorities=by_la,
        consultations=Change(len(consultations["this"]), len(consultations["last"])),
        referrals=Change(len(referrals["this"]), len(referrals["last"])),
        breakdowns=breakdowns,
        timeliness=Timeliness(len(resolved), within, len(contacts), on_time),
    )


# -- the data set, downloads and the API -----------------------------------------------------------------


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def dataset(figures: Figures) -> dict[str, float | int]:
    """Numbers for the partnership's data set: counts, and percentages where they exist."""
    t = figures.timeliness
    out: dict[str, float | int] = {
        "consultations": figures.consultations.this_year,
        "referrals": figures.referrals.this_year,
        "referrals_previous_year": figures.referrals.last_year,
        "referrals_resolved": t.resolved,
    }
    optional = {
        "referrals_change_percent": figures.referrals.percent,
        "consultations_change_percent": figures.consultations.percent,
        "resolved_within_1_month_percent": t.share(1),
        "resolved_within_3_months_percent": t.share(3),
        "resolved_within_12_months_percent": t.share(12),
        "contacts_within_1_working_day_percent": t.contact_share,
    }
    out.update({k: float(v) for k, v in optional.items() if v is not None})
    return out


# -- what the partnership publishes: small counts suppressed (core.suppression) -------------------------------

PUBLISHED_BREAKDOWNS = ("referring_sector", "employer_sector", "outcome")


@dataclass(frozen=True)
class PublishedRow:
    label: str
    counts: tuple  # as published: a number or "fewer than 5", in the table's column order
    note: str = ""  # a share or a change, "" where it would give a hidden count away


def _words(change: Change, this_year, last_year) -> str:
    return change.words if is_shown(this_year) and is_shown(last_year) else ""


def _percent_text(value: Decimal | None, *counts) -> str:
    return f"{value}%" if value is not None and all(is_shown(c) for c in counts) else ""


def published(figures: Figures, threshold: int) -> dict:
    """The figures the annual report publishes, from the exact ones: counts below ``threshold`` hidden, with
    a second count in any column that has one hidden (its total is published), and no share or change that
    would give a hidden count back."""
    referrals = suppress(figures.referrals.this_year, threshold)
    referrals_before = suppress(figures.referrals.last_year, threshold)
    las = figures.authorities
    advice = suppress_cells([a.consultations.this_year for a in las], threshold)
    this_year = suppress_cells([a.referrals.this_year for a in las], threshold)
    last_year = suppress_cells([a.referrals.last_year for a in las], threshold)
    authorities = [PublishedRow(a.name, (advice[i], this_year[i]), _words(a.referrals, this_year[i], last_year[i]))
                   for i, a in enumerate(las)]
    breakdowns = []
    for key in PUBLISHED_BREAKDOWNS:
        b = figures.breakdown(key)
        rows = [r for r in b.rows if r.referrals.this_year]
        total = suppress(b.total, threshold)
        counts = suppress_cells([r.referrals.this_year for r in rows], threshold)
        breakdowns.append((b, [PublishedRow(r.label, (count,), _percent_text(r.share, count, total))
                               for r, count in zip(rows, counts, strict=True)]))
    t = figures.timeliness
    resolved = suppress(t.resolved, threshold)
    within = {m: suppress(t.within[m], threshold) for m in MILESTONES}
    return {
        "threshold": threshold,
        "referrals": suppress(figures.referrals.this_year, threshold, "referral"),
        "referrals_change": _words(figures.referrals, referrals, referrals_before)
        if figures.referrals.percent is not None else "",
        "consultations": suppress(figures.consultations.this_year, threshold, "consultation"),
        "authorities": authorities,
        "breakdowns": breakdowns,
        "resolved": resolved,
        "resolved_words": suppress(t.resolved, threshold, "referral"),
        # Each milestone as a share of those resolved, or as its count when that is hidden.
        "within": {m: _percent_text(t.share(m), within[m], resolved) or within[m] for m in MILESTONES},
    }


def published_dataset(figures: Figures, threshold: int) -> dict[str, float | int | str]:
    """The data set as published: ``dataset`` with the counts below ``threshold`` as text ("fewer than 5")
    and the percentages taken from them withheld."""
    exact = dataset(figures)
    t = figures.timeliness
    counts = {"consultations": figures.consultations.this_year, "referrals": figures.referrals.this_year,
              "referrals_previous_year": figures.referrals.last_year, "referrals_resolved": t.resolved}
    out: dict[str, float | int | str] = {**exact, **{k: suppress(v, threshold) for k, v in counts.items()}}
    # Each percentage with the counts it is taken from.
    bases = {
        "referrals_change_percent": (figures.referrals.this_year, figures.referrals.last_year),
        "consultations_change_percent": (figures.consultations.this_year, figures.consultations.last_year),
        "resolved_within_1_month_percent": (t.within[1], t.resolved),
        "resolved_within_3_months_percent": (t.within[3], t.resolved),
        "resolved_within_12_months_percent": (t.within[12], t.resolved),
        "contacts_within_1_working_day_percent": (t.contacts_on_time, t.contacts_dated),
    }
    for name, base in bases.items():
        if name in out:
            out[name] = share_or_withheld(out[name], [suppress(c, threshold) for c in base], threshold)
    return out


def as_dict(figures: Figures) -> dict:
    """Everything, for the API: counts, changes and percentages (as numbers, None where undefined)."""

    def change(c: Change) -> dict:
        return {"this_year": c.this_year, "last_year": c.last_year, "change": c.difference,
                "change_percent": _number(c.percent)}

    t = figures.timeliness
    return {
        "year": figures.year.label, "start": figures.year.start, "end": figures.year.end,
        "consultations": change(figures.consultations), "referrals": change(figures.referrals),
        "by_local_authority": [{"key": a.key, "name": a.name, "consultations": change(a.consultations),
                                "referrals": change(a.referrals)} for a in figures.authorities],
        "breakdowns": {b.key: {"title": b.title, "total": b.total, "rows": [
            {"key": r.key, "label": r.label, "referrals": change(r.referrals), "consultations": r.consultations,
             "share_percent": _number(r.share)} for r in b.rows]} for b in figures.breakdowns},
        "timeliness": {
            "resolved": t.resolved,
            "within": [{"months": m, "count": t.within[m], "percent": _number(t.share(m)),
                        "expected_percent": EXPECTED_SHARE[m], "meets_expectation": t.meets(m)} for m in MILESTONES],
            "beyond_twelve_months": t.beyond_twelve,
            "contacts_with_concern_date": t.contacts_dated,
            "contacts_within_one_working_day": t.contacts_on_time,
            "contacts_within_one_working_day_percent": _number(t.contact_share),
        },
    }


HEADER = ["Table", "Row", "This year", "Last year", "Change", "Change (%)", "Share of the year (%)",
          "Consultations this year"]


def _blank(value):
    return "" if value is None else value


def table_rows(figures: Figures) -> list[list]:
    """Every figure as a row: the same in the CSV, the spreadsheet and (in parts) the page."""
    out = []

    def change_row(table, label, c: Change, share=None, consultations=""):
        out.append([table, safe_cell(label), c.this_year, c.last_year, c.difference, _blank(_number(c.percent)),
                    _blank(_number(share)), consultations])

    change_row("Totals", "Consultations", figures.consultations)
    change_row("Totals", "Referrals", figures.referrals)
    for a in figures.authorities:
        change_row("Consultations by local authority", a.name, a.consultations)
        change_row("Referrals by local authority", a.name, a.referrals)
    for b in figures.breakdowns:
        for r in b.rows:
            change_row(b.title, r.label, r.referrals, r.share, r.consultations if b.key != "outcome" else "")
    t = figures.timeliness
    for m in MILESTONES:
        out.append(["Timeliness", f"Resolved within {plural(m, 'month')} (expected {EXPECTED_SHARE[m]}%)",
                    t.within[m], "", "", "", _blank(_number(t.share(m))), ""])
    out.append(["Timeliness", "Resolved in more than 12 months", t.beyond_twelve, "", "", "",
                _blank(_number(percent(t.beyond_twelve, t.resolved))), ""])
    out.append(["Timeliness", "Contacts within one working day of the concern", t.contacts_on_time, "", "", "",
                _blank(_number(t.contact_share)), ""])
    return out


def figures_csv(figures: Figures) -> bytes:
    return csv_bytes([HEADER, *table_rows(figures)])


def figures_xlsx(figures: Figures) -> bytes:
    return xlsx_bytes([
        Sheet(f"LADO {figures.year.label}", table_rows(figures), header=HEADER),
        notes_sheet([
            f"Financial year {figures.year.label}: {figures.year.start:%-d %B %Y} to {figures.year.end:%-d %B %Y}",
            "Consultations count in the year received; referrals in the year they became referrals; outcomes "
            "and timeliness in the year the outcome was recorded.",
            "Percentages are exact fractions of the counts rounded half up to one decimal place; an empty "
            "cell means there was nothing to take a percentage of.",
        ]),
    ])
