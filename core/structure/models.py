"""How a partnership organises itself and runs its business: bodies and reporting lines, roles, meetings
and attendance, priorities and the business plan, its published arrangements, funding, and the education
and care settings it covers. Core, not a module: every partnership has arrangements."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, utcnow
from core.tenancy.isolation import TenantScoped
from core.tenancy.models import Agency, LocalAuthority

BODY_KINDS = {
    "board": "Board",
    "forum": "Partnership forum",
    "subgroup": "Subgroup",
    "thematic_group": "Thematic group",
    "task_and_finish_group": "Task and finish group",
    "local_group": "Local group",
    "practitioner_forum": "Practitioner forum",
}
BODY_STATUSES = {"active": "Active", "under_consideration": "Under consideration", "dissolved": "Dissolved"}
# How often a body meets, as the arrangements say it: the number is meetings a year, for scheduling and for
# the check that a body meets as often as promised.
CADENCES = {
    "monthly": ("Monthly", 12),
    "six_to_eight_a_year": ("6 to 8 times a year", 6),
    "bi_monthly": ("Every two months", 6),
    "quarterly": ("Quarterly", 4),
    "termly": ("Termly", 3),
    "three_a_year": ("Three times a year", 3),
    "twice_a_year": ("Twice a year", 2),
    "annually": ("Once a year", 1),
    "as_needed": ("As needed", 0),
}
CHAIR_KINDS = {
    "role": "A named role",
    "independent": "An independent person",
    "rotation": "Rotates among the delegated safeguarding partners",
}
ROLE_KINDS = {
    "independent_scrutineer": "Independent scrutineer",
    "independent_chair": "Independent chair",
    "independent_commissioner": "Independent child safeguarding commissioner",
    "business_manager": "Partnership business manager",
    "senior_professional_advisor": "Senior professional advisor",
    "lay_member": "Lay member",
    "lead_member": "Lead member (participant observer)",
    "designated_doctor": "Designated doctor",
    "designated_nurse": "Designated nurse",
    "co_opted_member": "Co-opted member",
    "virtual_member": "Virtual member",
    "other": "Other role",
}
MEMBER_STATUSES = {"voting": "Voting member", "observer": "Participant observer (non-voting)", "adviser": "Adviser"}
MEETING_STATUSES = {"scheduled": "Scheduled", "held": "Held", "cancelled": "Cancelled"}
MINUTES_STATUSES = {"none": "Not written", "draft": "Draft", "approved": "Approved"}
ATTENDANCE = {"present": "Present", "apologies": "Apologies", "deputy": "Deputy sent", "absent": "Absent"}
ACTION_STATUSES = {"open": "Open", "in_progress": "In progress", "done": "Done", "dropped": "Dropped"}
PRIORITY_KINDS = {"priority": "Priority", "thread": "Cross-cutting thread"}
RAG = {"red": "Red", "amber": "Amber", "green": "Green", "complete": "Complete"}
SPEND_CATEGORIES = {
    "training": "Training",
    "case_reviews": "Case reviews",
    "scrutiny": "Independent scrutiny",
    "staffing": "Staffing",
    "other": "Other",
}
SETTING_KINDS = {
    "primary": "Primary schools",
    "secondary": "Secondary schools",
    "special": "Special schools",
    "alternative_provision": "Alternative provision",
    "independent": "Independent schools",
    "childrens_centres": "Children's centres",
    "early_years": "Early years settings (childcare on non-domestic premises)",
    "childminders": "Childminders",
    "residential_homes": "Residential homes for children",
}


class Body(TenantScoped, Base):
    """A board, forum, subgroup or group of the partnership, and whom it answers to."""

    __tablename__ = "bodies"
    __table_args__ = (UniqueConstraint("tenant_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30))
    purpose: Mapped[str] = mapped_column(Text, default="")
    terms_of_reference: Mapped[str] = mapped_column(Text, default="")
    accountable_to_id: Mapped[int | None] = mapped_column(ForeignKey("bodies.id", ondelete="SET NULL"))
    local_authority_id: Mapped[int | None] = mapped_column(ForeignKey("local_authorities.id", ondelete="SET NULL"))
    cadence: Mapped[str] = mapped_column(String(30), default="quarterly")
    # A floor some arrangements promise ("never fewer than 4"); None when they promise none.
    min_meetings_a_year: Mapped[int | None]
    public_meetings: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(30), default="active")
    dissolved_on: Mapped[date | None]
    position: Mapped[int] = mapped_column(default=0)

    accountable_to: Mapped[Body | None] = relationship(remote_side="Body.id", back_populates="reports")
    reports: Mapped[list[Body]] = relationship(back_populates="accountable_to", order_by="Body.position")
    local_authority: Mapped[LocalAuthority | None] = relationship()
    chair_rules: Mapped[list[ChairRule]] = relationship(
        back_populates="body", cascade="all, delete-orphan", order_by="ChairRule.position"
    )
    members: Mapped[list[BodyMember]] = relationship(
        back_populates="body", cascade="all, delete-orphan", order_by="BodyMember.id"
    )

    @property
    def kind_label(self) -> str:
        return BODY_KINDS.get(self.kind, self.kind)

    @property
    def cadence_label(self) -> str:
        return CADENCES.get(self.cadence, (self.cadence, 0))[0]


class ChairRule(TenantScoped, Base):
    """Who chairs a body (position ``chair``) or deputises (``vice_chair``): a named role, an independent
    person, or the delegated safeguarding partners in turn (``rotation_agencies`` in order, each for
    ``rotation_months`` from ``rotation_starts_on``)."""

    __tablename__ = "chair_rules"
    __table_args__ = (UniqueConstraint("body_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id", ondelete="CASCADE"), index=True)
    position: Mapped[str] = mapped_column(String(20), default="chair")
    kind: Mapped[str] = mapped_column(String(20))
    role_title: Mapped[str] = mapped_column(String(200), default="")
    rotation_agencies: Mapped[list] = mapped_column(default=list)  # agency keys, in turn order
    rotation_months: Mapped[int] = mapped_column(default=12)
    rotation_starts_on: Mapped[date | None]

    body: Mapped[Body] = relationship(back_populates="chair_rules")


class RoleHolder(TenantScoped, Base):
    """A role in the partnership other than the safeguarding partners' own (independent scrutineer, business
    manager, lay and lead members, designated professionals, co-opted and virtual members), by title.

    The person holding it is a platform member when linked (``membership_id``); tenant files never carry
    personal names."""

    __tablename__ = "role_holders"
    __table_args__ = (UniqueConstraint("tenant_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id", ondelete="SET NULL"))
    voting: Mapped[bool] = mapped_column(default=True)
    description: Mapped[str] = mapped_column(Text, default="")
    membership_id: Mapped[int | None] = mapped_column(ForeignKey("memberships.id", ondelete="SET NULL"))
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]

    agency: Mapped[Agency | None] = relationship()

    @property
    def kind_label(self) -> str:
        return ROLE_KINDS.get(self.kind, self.kind)


class BodyMember(TenantScoped, Base):
    """A seat on a body: a role holder, or a role title from an agency, voting or not, for a period."""

    __tablename__ = "body_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id", ondelete="CASCADE"), index=True)
    role_holder_id: Mapped[int | None] = mapped_column(ForeignKey("role_holders.id", ondelete="CASCADE"))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id", ondelete="SET NULL"))
    role_title: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(20), default="voting")
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]

    body: Mapped[Body] = relationship(back_populates="members")
    role_holder: Mapped[RoleHolder | None] = relationship()
    agency: Mapped[Agency | None] = relationship()

    @property
    def label(self) -> str:
        if self.role_holder is not None:
            return self.role_holder.title
        agency = f", {self.agency.name}" if self.agency else ""
        return f"{self.role_title}{agency}"

    @property
    def represents(self) -> Agency | None:
        """The agency whose attendance this seat counts towards."""
        if self.agency is not None:
            return self.agency
        return self.role_holder.agency if self.role_holder is not None else None


class Meeting(TenantScoped, Base):
    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    location: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[str] = mapped_column(String(20), default="scheduled")
    series: Mapped[str] = mapped_column(String(40), default="")  # meetings scheduled together by cadence
    minutes: Mapped[str] = mapped_column(Text, default="")
    minutes_status: Mapped[str] = mapped_column(String(20), default="none")
    minutes_approved_on: Mapped[date | None]

    body: Mapped[Body] = relationship()
    agenda: Mapped[list[AgendaItem]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="AgendaItem.position"
    )
    papers: Mapped[list[Paper]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="Paper.id"
    )
    decisions: Mapped[list[Decision]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="Decision.id"
    )
    attendance: Mapped[list[Attendance]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="Attendance.id"
    )


class AgendaItem(TenantScoped, Base):
    __tablename__ = "agenda_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(300))
    presenter: Mapped[str] = mapped_column(String(200), default="")

    meeting: Mapped[Meeting] = relationship(back_populates="agenda")


class Paper(TenantScoped, Base):
    """A meeting paper, kept in the database so that any web process can serve it."""

    __tablename__ = "papers"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    meeting: Mapped[Meeting] = relationship(back_populates="papers")


class Decision(TenantScoped, Base):
    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)

    meeting: Mapped[Meeting] = relationship(back_populates="decisions")


class Action(TenantScoped, Base):
    """An action agreed by a body (at a meeting, or not), with its owner, due date and status."""

    __tablename__ = "actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id", ondelete="CASCADE"), index=True)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="SET NULL"), index=True)
    description: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(200))
    owner_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id", ondelete="SET NULL"))
    due_on: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(20), default="open")
    completed_on: Mapped[date | None]

    body: Mapped[Body] = relationship()
    meeting: Mapped[Meeting | None] = relationship()
    owner_agency: Mapped[Agency | None] = relationship()


class Attendance(TenantScoped, Base):
    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("meeting_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("body_members.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    deputy_name: Mapped[str] = mapped_column(String(200), default="")

    meeting: Mapped[Meeting] = relationship(back_populates="attendance")
    member: Mapped[BodyMember] = relationship()


class Priority(TenantScoped, Base):
    """A priority of the partnership for a period (``kind`` priority), or a thread that runs through all of
    them (``kind`` thread: the voice of the child, anti-racist practice)."""

    __tablename__ = "priorities"
    __table_args__ = (UniqueConstraint("tenant_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(20), default="priority")
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_year: Mapped[int]  # financial years: 2025 means 1 April 2025
    ends_year: Mapped[int]
    position: Mapped[int] = mapped_column(default=0)

    actions: Mapped[list[PlanAction]] = relationship(
        back_populates="priority", cascade="all, delete-orphan", order_by="PlanAction.due_on"
    )

    @property
    def period_label(self) -> str:
        return f"{self.starts_year} to {self.ends_year}"


class PlanAction(TenantScoped, Base):
    """An action of the business plan under a priority: owner body, lead, due date, RAG status."""

    __tablename__ = "plan_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    priority_id: Mapped[int] = mapped_column(ForeignKey("priorities.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(Text)
    owner_body_id: Mapped[int | None] = mapped_column(ForeignKey("bodies.id", ondelete="SET NULL"))
    lead: Mapped[str] = mapped_column(String(200), default="")
    due_on: Mapped[date | None]
    rag: Mapped[str] = mapped_column(String(20), default="green")
    progress: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    priority: Mapped[Priority] = relationship(back_populates="actions")
    owner_body: Mapped[Body | None] = relationship()


class QuarterlyTheme(TenantScoped, Base):
    """A theme a body sets for a quarter of the financial year, followed through its subgroups."""

    __tablename__ = "quarterly_themes"
    __table_args__ = (UniqueConstraint("tenant_id", "year", "quarter"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    set_by_id: Mapped[int] = mapped_column(ForeignKey("bodies.id", ondelete="CASCADE"))
    year: Mapped[int]  # financial year
    quarter: Mapped[int]  # 1 = April to June
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")

    set_by: Mapped[Body] = relationship()
    follow_ups: Mapped[list[ThemeFollowUp]] = relationship(
        back_populates="theme", cascade="all, delete-orphan", order_by="ThemeFollowUp.id"
    )


class ThemeFollowUp(TenantScoped, Base):
    __tablename__ = "theme_follow_ups"
    __table_args__ = (UniqueConstraint("theme_id", "body_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("quarterly_themes.id", ondelete="CASCADE"), index=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id", ondelete="CASCADE"))
    note: Mapped[str] = mapped_column(Text, default="")
    done: Mapped[bool] = mapped_column(default=False)

    theme: Mapped[QuarterlyTheme] = relationship(back_populates="follow_ups")
    body: Mapped[Body] = relationship()


class Arrangements(TenantScoped, Base):
    """What a partnership publishes about itself beyond its structure, and the rules it runs by."""

    __tablename__ = "arrangements"
    __table_args__ = (UniqueConstraint("tenant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The latest review by its date (not the last one entered): the next review follows it. Each review is
    # also in the audit log, with who recorded it.
    last_reviewed_on: Mapped[date | None]
    review_due_on: Mapped[date | None]
    review_interval_months: Mapped[int] = mapped_column(default=12)
    independent_scrutiny: Mapped[str] = mapped_column(Text, default="")
    education_settings: Mapped[str] = mapped_column(Text, default="")
    residential_homes: Mapped[str] = mapped_column(Text, default="")
    thresholds_document_title: Mapped[str] = mapped_column(String(300), default="")
    thresholds_document_url: Mapped[str] = mapped_column(String(500), default="")
    # An agency whose attendance at a body's meetings across a year falls below this is followed up.
    attendance_threshold_percent: Mapped[int] = mapped_column(default=75)
    # Partners' contributions are invoiced by this day of the financial year ("MM-DD"; H&F: 1 October).
    invoice_by: Mapped[str] = mapped_column(String(5), default="10-01")
    # The annual report covering April to March is published by this day ("MM-DD": end of September).
    annual_report_due: Mapped[str] = mapped_column(String(5), default="09-30")
    reminder_days: Mapped[list] = mapped_column(default=lambda: [28, 7])
    # Counts from 1 to one below this are published as "fewer than N" (core.suppression).
    small_numbers_threshold: Mapped[int] = mapped_column(default=5, server_default="5")


class Contribution(TenantScoped, Base):
    """What a partner agency agreed to pay into the pooled budget for a financial year, in pence."""

    __tablename__ = "contributions"
    __table_args__ = (UniqueConstraint("tenant_id", "agency_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="RESTRICT"))
    year: Mapped[int]
    amount_pence: Mapped[int] = mapped_column(BigInteger)
    agreed_on: Mapped[date | None]
    invoiced_on: Mapped[date | None]
    invoice_reference: Mapped[str] = mapped_column(String(60), default="")
    paid_on: Mapped[date | None]

    agency: Mapped[Agency] = relationship()


class Spend(TenantScoped, Base):
    """Money spent from the pooled budget, by category, in pence."""

    __tablename__ = "spend"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(index=True)
    category: Mapped[str] = mapped_column(String(30))
    description: Mapped[str] = mapped_column(String(300))
    amount_pence: Mapped[int] = mapped_column(BigInteger)
    spent_on: Mapped[date]


class SettingCount(TenantScoped, Base):
    """How many education or care settings of a kind a local authority has, as the arrangements count them."""

    __tablename__ = "setting_counts"
    __table_args__ = (UniqueConstraint("local_authority_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    local_authority_id: Mapped[int] = mapped_column(ForeignKey("local_authorities.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    count: Mapped[int]
    note: Mapped[str] = mapped_column(String(200), default="")  # e.g. "7 main centres"
    as_of: Mapped[date | None]

    local_authority: Mapped[LocalAuthority] = relationship()
