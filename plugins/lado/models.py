"""Tables of the LADO module: cases (consultations and referrals), the children they concern, allegation
management meetings, the employer's actions, the parallel police and children's social care processes, the
chronological case record, and the counters that number references without gaps.

Every table is tenant-scoped. Nothing here is readable by a role without a LADO permission; which local
authorities' cases a member reads is decided in ``plugins.lado.cases.limit_to`` (one rule for pages, API and
exports alike)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, and_
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.auth.models import User
from core.db import Base, utcnow
from core.tenancy.isolation import TenantScoped
from core.tenancy.models import Agency, LocalAuthority

KINDS = {"consultation": "Consultation", "referral": "Referral"}
STATUSES = {"open": "Open", "closed": "Closed"}
SOURCES = {"lado": "recorded by the LADO", "agency_form": "through the referral form", "api": "through the API"}

# The harm test of Working Together to Safeguard Children and Keeping Children Safe in Education: a referral
# is made when someone who works with children has done (or may have done) one of these.
HARM_TEST = {
    "harmed": "Behaved in a way that has harmed a child, or may have harmed a child",
    "offence": "Possibly committed a criminal offence against or related to a child",
    "risk": "Behaved towards a child or children in a way that indicates they may pose a risk of harm to children",
    "unsuitable": "Behaved or may have behaved in a way that indicates they may not be suitable to work with "
                  "children (including conduct outside work: transferable risk)",
}
CATEGORIES = {
    "physical": "Physical abuse",
    "sexual": "Sexual abuse",
    "emotional": "Emotional abuse",
    "neglect": "Neglect",
    "suitability": "Suitability to work with children",
}
# Where the person works, and where a referral came from. One vocabulary, so that a LADO annual report can
# set who refers beside whom it is about; the last few only ever refer.
SECTORS = {
    "education": "Education (schools and colleges)",
    "early_years": "Early years and childcare",
    "health": "Health",
    "social_care": "Children's social care",
    "fostering": "Fostering",
    "residential": "Residential care",
    "police": "Police",
    "probation_youth_justice": "Probation and youth justice",
    "faith": "Faith organisations",
    "voluntary": "Voluntary and community sector",
    "sport": "Sport and leisure",
    "transport": "Transport",
    "other_work": "Other employment",
    "regulator": "Ofsted or another regulator",
    "other_lado": "Another LADO",
    "family": "Parent, carer or family member",
    "child": "Child or young person",
    "self": "The person themselves",
    "anonymous": "Anonymous",
}
EMPLOYER_SECTORS = {key: SECTORS[key] for key in list(SECTORS)[:13]}
EMPLOYMENT_TYPES = {
    "paid": "Paid employee",
    "volunteer": "Volunteer",
    "agency": "Agency or supply worker",
    "self_employed": "Self-employed or contractor",
    "carer": "Foster carer or adopter",
    "not_known": "Not known",
}
GENDERS = {"girl": "Girl", "boy": "Boy", "other": "Other", "not_known": "Not known"}
# Keeping Children Safe in Education (2024), part four: the definitions an outcome must use.
OUTCOMES = {
    "substantiated": ("Substantiated", "There is sufficient evidence to prove the allegation."),
    "malicious": ("Malicious", "There is sufficient evidence to disprove the allegation and there has been a "
                               "deliberate act to deceive."),
    "false": ("False", "There is sufficient evidence to disprove the allegation."),
    "unsubstantiated": ("Unsubstantiated", "There is insufficient evidence to either prove or disprove the "
                                           "allegation. The term does not imply guilt or innocence."),
    "unfounded": ("Unfounded", "There is no evidence or proper basis which supports the allegation being made."),
}
REGULATORS = {
    "tra": "Teaching Regulation Agency",
    "swe": "Social Work England",
    "nmc": "Nursing and Midwifery Council",
    "gmc": "General Medical Council",
    "hcpc": "Health and Care Professions Council",
    "ofsted": "Ofsted",
    "other": "Another regulator",
}
EMPLOYER_ACTIONS = {
    "suspension": "Suspended",
    "redeployment": "Redeployed or given alternative duties",
    "no_action": "No action: stayed in their role",
    "dismissal": "Dismissed",
    "resignation": "Resigned",
    "other": "Other action",
}
# The processes that run beside the LADO's and decide much of its outcome. One still under way holds a case
# open unless the LADO confirms closing it and says why (``cases.check_open_processes``).
PROCESS_KINDS = {
    "police": "Police investigation",
    "social_care": "Children's social care (section 47 enquiry or assessment)",
    "disciplinary": "Employer's disciplinary process",
}
PROCESS_STATUSES = {"not_needed": "Not needed", "under_way": "Under way", "concluded": "Concluded"}
MEETING_KINDS = {"initial": "Initial allegation management meeting", "review": "Review meeting"}


class LadoCase(TenantScoped, Base):
    """One contact with the LADO: a consultation (advice only) or a referral that meets the harm test."""

    __tablename__ = "lado_cases"
    __table_args__ = (
        UniqueConstraint("tenant_id", "reference"),
        Index("ix_lado_cases_tenant_id_local_authority_id_status", "tenant_id", "local_authority_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(40))
    local_authority_id: Mapped[int] = mapped_column(ForeignKey("local_authorities.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="open")
    source: Mapped[str] = mapped_column(String(20), default="lado")

    # Dates that decide the clocks: the concern (when the allegation was made, known to the employer), the
    # contact with the LADO, the day it became a referral (the contact, or a consultation's conversion).
    concern_on: Mapped[date | None]
    received_on: Mapped[date]
    referred_on: Mapped[date | None]
    converted_on: Mapped[date | None]
    closed_on: Mapped[date | None]

    harm_criteria: Mapped[list] = mapped_column(default=list)
    outside_work: Mapped[bool] = mapped_column(default=False)
    category: Mapped[str] = mapped_column(String(20), default="")
    summary: Mapped[str] = mapped_column(Text, default="")

    referrer_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id", ondelete="SET NULL"))
    referrer_name: Mapped[str] = mapped_column(String(200), default="")
    referrer_role: Mapped[str] = mapped_column(String(200), default="")
    referrer_contact: Mapped[str] = mapped_column(String(200), default="")
    referring_sector: Mapped[str] = mapped_column(String(40), default="")

    person_name: Mapped[str] = mapped_column(String(200), default="")
    person_role: Mapped[str] = mapped_column(String(200), default="")
    person_employer: Mapped[str] = mapped_column(String(200), default="")
    employer_sector: Mapped[str] = mapped_column(String(40), default="")
    employment_type: Mapped[str] = mapped_column(String(20), default="not_known")
    person_born_on: Mapped[date | None]
    person_pension_on: Mapped[date | None]

    advice: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str] = mapped_column(String(20), default="")
    outcome_note: Mapped[str] = mapped_column(Text, default="")
    dbs_referred_on: Mapped[date | None]
    regulator: Mapped[str] = mapped_column(String(20), default="")
    regulator_referred_on: Mapped[date | None]
    employer_learning: Mapped[str] = mapped_column(Text, default="")

    # Closed while a parallel process was still under way: which ones (kinds), and the LADO's confirmation.
    closed_while_open: Mapped[list] = mapped_column(default=list)
    closed_while_open_reason: Mapped[str] = mapped_column(Text, default="")
    closed_while_open_by: Mapped[str] = mapped_column(String(254), default="")
    closed_while_open_at: Mapped[datetime | None]

    # The LADO who took the case on. A referral from outside the service (the form) waits unallocated, at the
    # top of the list, until one does.
    allocated_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    allocated_at: Mapped[datetime | None]

    review_on: Mapped[date | None] = mapped_column(index=True)
    review_extended: Mapped[bool] = mapped_column(default=False)  # set at a review: settings no longer move it
    removed_on: Mapped[date | None]

    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_activity_at: Mapped[datetime] = mapped_column(default=utcnow)

    local_authority: Mapped[LocalAuthority] = relationship()
    referrer_agency: Mapped[Agency | None] = relationship()
    allocated_to: Mapped[User | None] = relationship(foreign_keys=[allocated_to_id])
    children: Mapped[list[LadoChild]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="LadoChild.id")
    meetings: Mapped[list[LadoMeeting]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="[LadoMeeting.held_on, LadoMeeting.id]")
    employer_actions: Mapped[list[LadoEmployerAction]] = relationship(
        back_populates="case", cascade="all, delete-orphan",
        order_by="[LadoEmployerAction.taken_on, LadoEmployerAction.id]")
    processes: Mapped[list[LadoProcess]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="LadoProcess.kind")
    entries: Mapped[list[LadoEntry]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="[LadoEntry.happened_on, LadoEntry.id]")

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind, self.kind)

    @property
    def outcome_label(self) -> str:
        return OUTCOMES[self.outcome][0] if self.outcome in OUTCOMES else ""

    @property
    def removed(self) -> bool:
        return self.removed_on is not None

    @hybrid_property
    def awaiting_allocation(self) -> bool:
        """A referral sent from outside the service (the form) that no LADO has taken on yet. The same rule
        in SQL, so that the case list can put them first in the query that pages it."""
        return (self.kind == "referral" and self.status == "open" and self.source == "agency_form"
                and self.allocated_to_id is None)

    @awaiting_allocation.inplace.expression
    @classmethod
    def _awaiting_allocation_expression(cls):
        return and_(cls.kind == "referral", cls.status == "open", cls.source == "agency_form",
                    cls.allocated_to_id.is_(None))


class LadoChild(TenantScoped, Base):
    """A child the allegation concerns, with the least that tells children apart: initials, age, gender."""

    __tablename__ = "lado_children"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("lado_cases.id", ondelete="CASCADE"), index=True)
    initials: Mapped[str] = mapped_column(String(5), default="")
    age: Mapped[int | None]
    gender: Mapped[str] = mapped_column(String(20), default="not_known")

    case: Mapped[LadoCase] = relationship(back_populates="children")


class LadoMeeting(TenantScoped, Base):
    """An allegation management meeting (initial or review) with who attended, decisions and actions."""

    __tablename__ = "lado_meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("lado_cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    held_on: Mapped[date]
    attendees: Mapped[list] = mapped_column(default=list)
    decisions: Mapped[str] = mapped_column(Text, default="")
    actions: Mapped[str] = mapped_column(Text, default="")
    next_review_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    case: Mapped[LadoCase] = relationship(back_populates="meetings")

    @property
    def kind_label(self) -> str:
        return MEETING_KINDS.get(self.kind, self.kind)


class LadoEmployerAction(TenantScoped, Base):
    """What the employer did while the allegation was looked into (suspension, redeployment, no action...)."""

    __tablename__ = "lado_employer_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("lado_cases.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    taken_on: Mapped[date]
    note: Mapped[str] = mapped_column(Text, default="")

    case: Mapped[LadoCase] = relationship(back_populates="employer_actions")

    @property
    def action_label(self) -> str:
        return EMPLOYER_ACTIONS.get(self.action, self.action)


class LadoProcess(TenantScoped, Base):
    """A process running beside the LADO's: a police investigation, a children's social care enquiry. One of
    each kind per case, updated as it goes."""

    __tablename__ = "lado_processes"
    __table_args__ = (UniqueConstraint("case_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("lado_cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    started_on: Mapped[date | None]
    concluded_on: Mapped[date | None]
    note: Mapped[str] = mapped_column(Text, default="")

    case: Mapped[LadoCase] = relationship(back_populates="processes")

    @property
    def kind_label(self) -> str:
        return PROCESS_KINDS.get(self.kind, self.kind)

    @property
    def status_label(self) -> str:
        return PROCESS_STATUSES.get(self.status, self.status)


class LadoEntry(TenantScoped, Base):
    """One line of the chronological case record: what the rules did (``event``) or a note someone wrote."""

    __tablename__ = "lado_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("lado_cases.id", ondelete="CASCADE"), index=True)
    happened_on: Mapped[date]
    kind: Mapped[str] = mapped_column(String(20), default="event")
    text: Mapped[str] = mapped_column(Text)
    author_label: Mapped[str] = mapped_column(String(254), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    case: Mapped[LadoCase] = relationship(back_populates="entries")


class LadoReferenceCounter(TenantScoped, Base):
    """The last sequence number given for a reference code and year. Incremented in the transaction that
    creates the case, so a rolled-back submission gives its number back and numbers have no gaps."""

    __tablename__ = "lado_reference_counters"
    __table_args__ = (UniqueConstraint("tenant_id", "code", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20))
    year: Mapped[int]
    last: Mapped[int] = mapped_column(default=0)
