"""The training figures of a financial year: sessions run, places offered, bookings, attendance, no-shows,
attendance by sector and agency, charges per agency for invoicing, and the change in knowledge and
confidence per course; with CSV and XLSX downloads and the annual report's figures.

Each partnership counts its own delegates (isolation gives it nothing else). The coordinator of a shared
offer counts, besides its own, the other partnerships' delegates on the shared sessions it runs, through
``sharing`` (counts and scores, no names), so it sees the whole offer partnership by partnership.

A session counts in the year its date (in London) falls in; sessions cancelled by the organisers count for
nothing. "Sessions run" are those already started, of the partnership's own courses and its offer's.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from sqlalchemy import func, select

from core.calendar import at_london
from core.db import db
from core.reports.services import FinancialYear
from core.tenancy.models import Agency, Tenant
from core.tenancy.sectors import SECTORS
from plugins.training import sharing
from plugins.training.evaluation import CourseEvaluation, shown, summarise
from plugins.training.models import TrainingBooking, TrainingCourse, TrainingEvaluation, TrainingSession
from plugins.training.services import Offer, in_offer
from plugins.training.sharing import BookingFact


def year_bounds(year: FinancialYear) -> tuple[datetime, datetime]:
    """The financial year as UTC instants, start inclusive and end exclusive: London midnights."""
    return at_london(year.start, time(0)), at_london(year.end + timedelta(days=1), time(0))


@dataclass
class CountRow:
    label: str
    partnership: str = ""
    sector: str = ""
    bookings: int = 0
    attended: int = 0
    left_early: int = 0
    no_shows: int = 0
    late_cancellations: int = 0
    charges_pence: int = 0

    def add(self, fact: BookingFact) -> None:
        if not fact.confirmed:
            return
        self.bookings += 1
        self.attended += fact.attendance == "attended"
        self.left_early += fact.attendance == "left_early"
        self.no_shows += fact.attendance == "no_show"
        self.late_cancellations += fact.attendance == "cancelled_late"
        self.charges_pence += fact.charge_pence


@dataclass
class Figures:
    year: FinancialYear
    partnership: str
    whole_offer: bool = False
    offer_name: str = ""
    sessions_run: int = 0
    places_offered: int = 0
    bookings: int = 0
    attended: int = 0
    left_early: int = 0
    no_shows: int = 0
    late_cancellations: int = 0
    cancellations: int = 0
    waiting_unplaced: int = 0
    charges_pence: int = 0
    by_partnership: list[CountRow] = field(default_factory=list)
    by_sector: list[CountRow] = field(default_factory=list)
    by_agency: list[CountRow] = field(default_factory=list)
    evaluation: list[CourseEvaluation] = field(default_factory=list)

    @property
    def attendance_percent(self) -> int | None:
        """Attended in full, of the places booked and not cancelled in time, as a whole percent (halves up)."""
        due = self.bookings - self.cancellations
        return (200 * self.attended + due) // (2 * due) if due > 0 else None


def compute(year: FinancialYear, partnership: str, sessions: Iterable[tuple[int, int]], facts: Iterable[BookingFact],
            evaluation_rows: Iterable[tuple[int, str, int, int]], titles: dict[int, str], *,
            whole_offer: bool = False, offer_name: str = "") -> Figures:
    """The figures from plain facts: ``sessions`` as (session id, capacity) of the sessions run, one
    ``BookingFact`` per booking, evaluation rows as (course id, stage, knowledge, confidence)."""
    sessions = list(sessions)
    out = Figures(year=year, partnership=partnership, whole_offer=whole_offer, offer_name=offer_name,
                  sessions_run=len(sessions), places_offered=sum(capacity for _id, capacity in sessions))
    partnerships: dict[str, CountRow] = {}
    sectors: dict[str, CountRow] = {}
    agencies: dict[tuple[str, str], CountRow] = {}
    total = CountRow("All")
    for fact in facts:
        if not fact.confirmed:
            out.waiting_unplaced += fact.status == "waiting"
            continue
        total.add(fact)
        out.cancellations += fact.status == "cancelled" and fact.attendance != "cancelled_late"
        sector = SECTORS.get(fact.sector, fact.sector or "Not known")
        partnerships.setdefault(fact.partnership, CountRow(fact.partnership, fact.partnership)).add(fact)
        sectors.setdefault(sector, CountRow(sector, sector=sector)).add(fact)
        agencies.setdefault((fact.partnership, fact.agency),
                            CountRow(fact.agency, fact.partnership, sector)).add(fact)
    out.bookings, out.attended, out.left_early = total.bookings, total.attended, total.left_early
    out.no_shows, out.late_cancellations, out.charges_pence = total.no_shows, total.late_cancellations, total.charges_pence
    out.by_partnership = sorted(partnerships.values(), key=lambda r: r.label.lower())
    out.by_sector = sorted(sectors.values(), key=lambda r: r.label.lower())
    out.by_agency = sorted(agencies.values(), key=lambda r: (r.partnership.lower(), r.label.lower()))
    out.evaluation = summarise(evaluation_rows, titles)
    return out


def gather(offer: Offer, tenant: Tenant, year: FinancialYear | int, now: datetime) -> Figures:
    """The figures of the partnership in scope for the year: five queries, six more for a coordinator."""
    year = year if isinstance(year, FinancialYear) else FinancialYear(year)
    start, end = year_bounds(year)
    in_year = (TrainingSession.status == "scheduled", TrainingSession.starts_at >= start, TrainingSession.starts_at < end)
    sessions = db.session.execute(
        select(TrainingSession.id, TrainingSession.capacity)
        .where(in_offer(offer)(TrainingSession), *in_year, TrainingSession.starts_at <= now)
    ).all()
    own = [
        BookingFact(tenant.id, tenant.short_name, agency or "No agency", sector or "", sid, cid, status, attendance,
                    bool(confirmed), charge)
        for sid, cid, status, attendance, confirmed, charge, agency, sector in db.session.execute(
            select(TrainingSession.id, TrainingSession.course_id, TrainingBooking.status, TrainingBooking.attendance,
                   TrainingBooking.confirmed_at.is_not(None), TrainingBooking.charge_pence, Agency.name, Agency.sector)
            .join(TrainingSession, TrainingSession.id == TrainingBooking.session_id)
            .outerjoin(Agency, Agency.id == TrainingBooking.agency_id)
            .where(*in_year)
        )
    ]
    evaluations = [tuple(row) for row in db.session.execute(
        select(TrainingSession.course_id, TrainingEvaluation.stage, TrainingEvaluation.knowledge,
               TrainingEvaluation.confidence)
        .join(TrainingBooking, TrainingBooking.id == TrainingEvaluation.booking_id)
        .join(TrainingSession, TrainingSession.id == TrainingBooking.session_id)
        .where(*in_year)
    )]
    facts: list[BookingFact] = own
    if offer.coordinating:
        facts = own + sharing.offer_booking_facts(start, end)
        evaluations += sharing.offer_evaluation_facts(start, end)
    course_ids = {row[0] for row in evaluations}
    titles = dict(db.session.execute(select(TrainingCourse.id, TrainingCourse.title)
                                     .where(TrainingCourse.id.in_(course_ids))).all()) if course_ids else {}
    return compute(year, tenant.short_name, sessions, facts, evaluations, titles,
                   whole_offer=offer.coordinating, offer_name=offer.name)


def charges_by_agency(figures: Figures) -> list[CountRow]:
    return [row for row in figures.by_agency if row.charges_pence]


# -- downloads -------------------------------------------------------------------------------------------


def _cell(value):
    # A name beginning = + - @ would run as a formula in a spreadsheet: keep it text.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


COUNT_HEADER = ["Bookings", "Attended", "Left early", "No-shows", "Late cancellations", "Charges (£)"]
AGENCY_HEADER = ["Partnership", "Agency", "Sector", *COUNT_HEADER]


def _counts(row: CountRow) -> list:
    return [row.bookings, row.attended, row.left_early, row.no_shows, row.late_cancellations,
            f"{row.charges_pence / 100:.2f}"]


def agency_rows(figures: Figures) -> list[list]:
    return [[_cell(r.partnership), _cell(r.label), _cell(r.sector), *_counts(r)] for r in figures.by_agency]


def summary_rows(figures: Figures) -> list[list]:
    return [
        ["Financial year", figures.year.label],
        ["Delegates counted", f"Every partnership of {figures.offer_name}" if figures.whole_offer
         else f"{figures.partnership} only"],
        ["Sessions run", figures.sessions_run], ["Places offered", figures.places_offered],
        ["Bookings", figures.bookings], ["Attended", figures.attended], ["Left early", figures.left_early],
        ["No-shows", figures.no_shows], ["Late cancellations", figures.late_cancellations],
        ["Cancelled in time", figures.cancellations], ["Still on a waiting list", figures.waiting_unplaced],
        ["Charges (£)", f"{figures.charges_pence / 100:.2f}"],
    ]


EVALUATION_HEADER = ["Course", "Responses before", "Knowledge before", "Confidence before", "Responses after",
                     "Knowledge after", "Confidence after", "Responses at follow-up", "Knowledge at follow-up",
                     "Confidence at follow-up", "Change in knowledge (after - before)",
                     "Change in confidence (after - before)", "Change in knowledge (follow-up - before)",
                     "Change in confidence (follow-up - before)"]


def evaluation_rows(figures: Figures) -> list[list]:
    rows = []
    for e in figures.evaluation:
        row = [_cell(e.course_title)]
        for stage in ("before", "after", "follow_up"):
            means = e.stage(stage)
            row += [means.responses, shown(means.knowledge), shown(means.confidence)]
        row += [shown(e.knowledge_change, True), shown(e.confidence_change, True),
                shown(e.knowledge_change_follow_up, True), shown(e.confidence_change_follow_up, True)]
        rows.append(row)
    return rows


def figures_csv(figures: Figures) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(AGENCY_HEADER)
    writer.writerows(agency_rows(figures))
    return ("\ufeff" + out.getvalue()).encode()  # the BOM makes Excel read it as UTF-8


def figures_xlsx(figures: Figures) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    summary = book.active
    summary.title = "Summary"
    sheets = [
        (summary, ["Figure", "Value"], summary_rows(figures)),
        (book.create_sheet("By partnership"), ["Partnership", *COUNT_HEADER],
         [[_cell(r.label), *_counts(r)] for r in figures.by_partnership]),
        (book.create_sheet("By sector"), ["Sector", *COUNT_HEADER], [[_cell(r.label), *_counts(r)] for r in figures.by_sector]),
        (book.create_sheet("By agency"), AGENCY_HEADER, agency_rows(figures)),
        (book.create_sheet("Evaluation"), EVALUATION_HEADER, evaluation_rows(figures)),
    ]
    for sheet, header, rows in sheets:
        sheet.append(header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(row)
        sheet.freeze_panes = "A2"
    notes = book.create_sheet("About")
    notes.append([f"Financial year {figures.year.label}: {figures.year.start:%-d %B %Y} to {figures.year.end:%-d %B %Y}"])
    notes.append(["Sessions count in the year their date (in London) falls in; sessions called off count for nothing."])
    notes.append(["Knowledge and confidence are rated 1 to 5; a change is the mean of one stage less the mean before."])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def dataset(figures: Figures) -> dict[str, int]:
    """The partnership's own delegates only, so that no delegate is counted by two partnerships."""
    own = next((r for r in figures.by_partnership if r.label == figures.partnership), CountRow(figures.partnership))
    return {
        "training_sessions_run": figures.sessions_run,
        "training_places_offered": figures.places_offered,
        "training_bookings": own.bookings,
        "training_attended": own.attended,
        "training_no_shows": own.no_shows,
        "training_late_cancellations": own.late_cancellations,
    }


def upcoming_count(offer: Offer, now: datetime) -> int:
    return db.session.scalar(select(func.count()).select_from(TrainingSession).where(
        in_offer(offer)(TrainingSession), TrainingSession.status == "scheduled", TrainingSession.starts_at > now))
