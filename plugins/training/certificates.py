"""Certificates of attendance, as PDF made with fpdf2's built-in Helvetica: no font files, no network.

Only a booking whose register says the learner attended the whole session gets one: leaving early, not
coming, or cancelling late does not. The built-in fonts cover Latin-1 only, so other characters are
written as their closest plain letters (accents dropped) rather than failing.
"""

from __future__ import annotations

import unicodedata

from fpdf import FPDF

from core.calendar import LONDON
from plugins.training.models import TrainingBooking
from plugins.training.services import TrainingError

_TYPOGRAPHY = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-",
                             "\u2014": "-", "\u2026": "...", "\u00a0": " "})


def _plain(char: str) -> str:
    if ord(char) < 256:
        return char
    base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    return base if base and all(ord(c) < 256 for c in base) else "?"


def latin1(text: str) -> str:
    """The text in the built-in fonts' Latin-1: accented letters outside it lose their accent (ő to o),
    letters with no plain form become '?'."""
    return "".join(_plain(c) for c in (text or "").translate(_TYPOGRAPHY))


def why_no_certificate(booking: TrainingBooking) -> str | None:
    if booking.attendance == "attended" and booking.status == "confirmed":
        return None
    if booking.attendance == "left_early":
        return "Certificates are for full attendance: the register records that you left early"
    if booking.attendance in ("no_show", "cancelled_late") or booking.status == "cancelled":
        return "Certificates are for full attendance, and the place was not used"
    return "The certificate is available once the register shows you attended the whole session"


def certificate_pdf(booking: TrainingBooking, partnership: str, organiser: str | None = None) -> bytes:
    """The certificate of an attended booking; raises TrainingError for any other."""
    reason = why_no_certificate(booking)
    if reason:
        raise TrainingError(reason, api_status=403)
    session = booking.session
    course = session.course
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_title(latin1(f"Certificate of attendance: {course.title}"))
    pdf.set_author(latin1(partnership))
    pdf.set_creator("Safeguarding partnership platform")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, 277, 190)
    pdf.set_line_width(0.3)
    pdf.rect(14, 14, 269, 182)
    pdf.set_y(30)
    pdf.set_font("Helvetica", "B", 30)
    pdf.cell(0, 14, "Certificate of attendance", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("Helvetica", "", 14)
    pdf.cell(0, 8, "This is to certify that", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("Helvetica", "B", 24)
    pdf.multi_cell(0, 12, latin1(booking.delegate_name), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("Helvetica", "", 14)
    pdf.cell(0, 8, "attended the whole of the multi-agency safeguarding training", align="C",
             new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("Helvetica", "B", 18)
    pdf.set_x(30)
    pdf.multi_cell(237, 9, latin1(course.title), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("Helvetica", "", 12)
    day = session.starts_at.astimezone(LONDON)
    details = [f"{course.level_label}, {course.delivery_label.lower()}, {course.duration_label}",
               f"on {day:%A %-d %B %Y}"]
    if booking.agency is not None:
        details.append(f"of {booking.agency.name}")
    for line in details:
        pdf.cell(0, 7, latin1(line), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(160)
    pdf.set_font("Helvetica", "", 11)
    by = f"{partnership} safeguarding children partnership"
    if organiser and organiser != partnership:
        by += f", through the shared training offer run by {organiser}"
    pdf.cell(0, 6, latin1(by), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    pdf.cell(0, 6, f"Certificate reference TB-{booking.id}", align="C", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
