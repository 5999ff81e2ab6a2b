"""The training figures of a financial year: sessions run, places offered, bookings, attendance, no-shows,
attendance by sector and agency, charges per agency for invoicing, and the change in knowledge and
confidence per course; with CSV and XLSX downloads and the annual report's figures.

Each partnership counts its own delegates (isolation gives it nothing else). The coordinator of a shared
offer counts, besides its own, the other partnerships' delegates on the shared sessions it runs, through
``sharing`` (counts and scores, no names), so it sees the whole offer partnership by partnership.

Every figure has one base: the sessions of the year that have taken place (started by the time the figures
are drawn), of the partnership's own courses and its offer's. A session counts in the year its date (in
London) falls in; a session still to come counts for nothing yet (its bookings, attendance and evaluations
alike), so a rate never sets the places of sessions not yet run against the attendance of those that were;
sessions cancelled by the organisers count for nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from core.calendar import FinancialYear, at_london, london_day, years_spanned
from core.db import db
from core.exports import Sheet, csv_bytes, notes_sheet, safe_cell, xlsx_bytes
from core.suppression import cell_words, share_or_withheld, suppress, suppress_cells
from core.tenancy.models import Agency, Tenant
from core.tenancy.sectors import SECTORS
from plugins.training import sharing
from plugins.training.evaluation import CourseEvaluation, shown, summarise
from plugins.training.models import TrainingBooking, TrainingCourse, TrainingEvaluation, TrainingSession
from plugins.training.services import Offer, in_offer, the_offer
from plugins.training.sharing import BookingFact


def year_bounds(year: FinancialYear) -> tuple[datetime, datetime]:
    """The financial year as UTC instants, start inclusive and end exclusive: London midnights."""
    return at_london(year.start, time(0)), at_london(year.end + timedelta(days=1), time(0))


def counted_period(year: FinancialYear, now: datetime) -> tuple[datetime, datetime]:
    """The sessions every figure counts, by when they start (start inclusive, end exclusive): those of the
    year that have started by ``now``. Empty for a year still to come."""
    start, end = year_bounds(year)
    return start, max(start, min(end, now))


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
    not_recorded: int = 0
    waiting_unplaced: int = 0
    charges_pence: int = 0
    by_partnership: list[CountRow] = field(default_factory=list)
    by_sector: list[CountRow] = field(default_factory=list)
    by_agency: list[CountRow] = field(default_factory=list)
    evaluation: list[CourseEvaluation] = field(default_factory=list)
    as_of: date | None = None  # the London day the figures were drawn; None when the year is over

    @property
    def offer_title(self) -> str:
        return the_offer(self.offer_name)

    @property
    def base(self) -> str:
        return base_text(self)

    @property
    def places_due(self) -> int:
        """Places booked on sessions that have taken place and not cancelled in time: the base of the rate."""
        return self.bookings - self.cancellations

    @property
    def attendance_percent(self) -> int | None:
        """Attended in full, of the places due, as a whole percent (halves up)."""
        due = self.places_due
        return (200 * self.attended + due) // (2 * due) if due > 0 else None


def compute(year: FinancialYear, partnership: str, sessions: Iterable[tuple[int, int]], facts: Iterable[BookingFact],
            evaluation_rows: Iterable[tuple[int, str, int, int]], titles: dict[int, str], *,
            whole_offer: bool = False, offer_name: str = "", as_of: date | None = None) -> Figures:
    """The figures from plain facts of the sessions that have taken place: ``sessions`` as (session id,
    capacity), one ``BookingFact`` per booking, evaluation rows as (course id, stage, knowledge, confidence)."""
    sessions = list(sessions)
    out = Figures(year=year, partnership=partnership, whole_offer=whole_offer, offer_name=offer_name,
                  sessions_run=len(sessions), places_offered=sum(capacity for _id, capacity in sessions),
                  as_of=as_of)
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
        out.not_recorded += fact.status == "confirmed" and fact.attendance is None
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


def years_with_sessions(offer: Offer) -> range:
    """The years from the offer's first session to its last, for the figures' year picker: one query."""
    first, last = db.session.execute(select(func.min(TrainingSession.starts_at), func.max(TrainingSession.starts_at))
                                     .where(in_offer(offer)(TrainingSession))).one()
    return years_spanned(first and london_day(first), last and london_day(last))


def gather(offer: Offer, tenant: Tenant, year: FinancialYear | int, now: datetime) -> Figures:
    """The figures of the partnership in scope for the year, counting the sessions that have taken place by
    ``now``: five queries, six more for a coordinator."""
    year = year if isinstance(year, FinancialYear) else FinancialYear(year)
    start, end = counted_period(year, now)
    in_year = (TrainingSession.status == "scheduled", TrainingSession.starts_at >= start, TrainingSession.starts_at < end)
    sessions = db.session.execute(
        select(TrainingSession.id, TrainingSession.capacity).where(in_offer(offer)(TrainingSession), *in_year)
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
    today = london_day(now)
    return compute(year, tenant.short_name, sessions, facts, evaluations, titles,
                   whole_offer=offer.coordinating, offer_name=offer.name,
                   as_of=today if today <= year.end else None)


def charges_by_agency(figures: Figures) -> list[CountRow]:
    return [row for row in figures.by_agency if row.charges_pence]


# -- downloads -------------------------------------------------------------------------------------------


COUNT_HEADER = ["Bookings", "Attended", "Left early", "No-shows", "Late cancellations", "Charges (£)"]
AGENCY_HEADER = ["Partnership", "Agency", "Sector", *COUNT_HEADER]


def _counts(row: CountRow) -> list:
    return [row.bookings, row.attended, row.left_early, row.no_shows, row.late_cancellations,
            f"{row.charges_pence / 100:.2f}"]


def agency_rows(figures: Figures) -> list[list]:
    return [[safe_cell(r.partnership), safe_cell(r.label), safe_cell(r.sector), *_counts(r)] for r in figures.by_agency]


def base_text(figures: Figures) -> str:
    """The one base of every figure, in words, for the page, the downloads and the annual report."""
    if figures.as_of is None:
        return (f"Every figure counts the sessions of {figures.year.label} that took place; sessions called off "
                "count for nothing.")
    return (f"Every figure counts the sessions of {figures.year.label} that have taken place so far (to "
            f"{figures.as_of:%-d %B %Y}); a session still to come counts once it has started, and sessions "
            "called off count for nothing.")


def summary_rows(figures: Figures) -> list[list]:
    return [
        ["Financial year", figures.year.label],
        ["Sessions counted", base_text(figures)],
        ["Delegates counted", f"Every partnership of {figures.offer_title}" if figures.whole_offer
         else f"{figures.partnership} only"],
        ["Sessions run", figures.sessions_run], ["Places offered", figures.places_offered],
        ["Bookings", figures.bookings], ["Attended", figures.attended],
        ["Attended (% of places not cancelled in time)",
         figures.attendance_percent if figures.attendance_percent is not None else ""],
        ["Left early", figures.left_early],
        ["No-shows", figures.no_shows], ["Late cancellations", figures.late_cancellations],
        ["Cancelled in time", figures.cancellations], ["Register not yet taken", figures.not_recorded],
        ["Left on the waiting list", figures.waiting_unplaced],
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
        row = [safe_cell(e.course_title)]
        for stage in ("before", "after", "follow_up"):
            means = e.stage(stage)
            row += [means.responses, shown(means.knowledge), shown(means.confidence)]
        row += [shown(e.knowledge_change, True), shown(e.confidence_change, True),
                shown(e.knowledge_change_follow_up, True), shown(e.confidence_change_follow_up, True)]
        rows.append(row)
    return rows


def figures_csv(figures: Figures) -> bytes:
    return csv_bytes([AGENCY_HEADER, *agency_rows(figures)])


def figures_xlsx(figures: Figures) -> bytes:
    return xlsx_bytes([
        Sheet("Summary", summary_rows(figures), header=["Figure", "Value"]),
        Sheet("By partnership", [[safe_cell(r.label), *_counts(r)] for r in figures.by_partnership],
              header=["Partnership", *COUNT_HEADER]),
        Sheet("By sector", [[safe_cell(r.label), *_counts(r)] for r in figures.by_sector],
              header=["Sector", *COUNT_HEADER]),
        Sheet("By agency", agency_rows(figures), header=AGENCY_HEADER),
        Sheet("Evaluation", evaluation_rows(figures), header=EVALUATION_HEADER),
        notes_sheet([
            f"Financial year {figures.year.label}: {figures.year.start:%-d %B %Y} to {figures.year.end:%-d %B %Y}",
            base_text(figures),
            "Sessions count in the year their date (in London) falls in.",
            "Knowledge and confidence are rated 1 to 5; a change is the mean of one stage less the mean before.",
        ]),
    ])


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


# -- what the partnership publishes: small counts suppressed (core.suppression) -------------------------------
# Sessions and places are not counts of people and are published as they are; bookings and what became of
# them are, and so are the numbers of learners who rated a course.


@dataclass(frozen=True)
class PublishedEvaluation:
    course_title: str
    responses: tuple  # before, after, at follow-up: as published
    knowledge_change: str  # "not shown (fewer than 5)" where the responses it is taken from are hidden
    confidence_change: str
    knowledge_change_follow_up: str


def _own(figures: Figures) -> CountRow | None:
    return next((r for r in figures.by_partnership if r.label == figures.partnership), None)


def published(figures: Figures, threshold: int) -> dict:
    """The annual report's figures from the exact ones: bookings below ``threshold`` hidden, with a second of
    the outcomes of the bookings where only one would be, and no mean change taken from hidden responses."""
    own = _own(figures)
    out: dict = {"own": None, "by_partnership": [], "evaluation": []}
    if own is not None:
        attended, left_early, no_shows, late = suppress_cells(
            [own.attended, own.left_early, own.no_shows, own.late_cancellations], threshold)
        out["own"] = {"bookings": suppress(own.bookings, threshold, "booking"), "attended": attended,
                      "left_early": left_early, "no_shows": no_shows, "late_cancellations": late}
    bookings = suppress_cells([r.bookings for r in figures.by_partnership], threshold)
    out["by_partnership"] = [(r.label, cell_words(cell, "booking"))
                             for r, cell in zip(figures.by_partnership, bookings, strict=True)]
    for e in figures.evaluation:
        before, after, later = (suppress(e.stage(s).responses, threshold) for s in ("before", "after", "follow_up"))
        out["evaluation"].append(PublishedEvaluation(
            e.course_title, (before, after, later),
            share_or_withheld(shown(e.knowledge_change, True), [before, after], threshold),
            share_or_withheld(shown(e.confidence_change, True), [before, after], threshold),
            share_or_withheld(shown(e.knowledge_change_follow_up, True), [before, later], threshold)))
    return out


def published_dataset(figures: Figures, threshold: int) -> dict[str, int | str]:
    """The data set as published: ``dataset`` with the counts of people below ``threshold`` as text."""
    exact = dataset(figures)
    parts = ("training_attended", "training_no_shows", "training_late_cancellations")
    cells = suppress_cells([exact[name] for name in parts], threshold)
    return {**exact, "training_bookings": suppress(exact["training_bookings"], threshold),
            **dict(zip(parts, cells, strict=True))}


def upcoming_count(offer: Offer, now: datetime) -> int:
    return db.session.scalar(select(func.count()).select_from(TrainingSession).where(
        in_offer(offer)(TrainingSession), TrainingSession.status == "scheduled", TrainingSession.starts_at > now))
