"""Tenants and what every tenant is made of: local authorities, agencies, safeguarding partners, and the
offers tenants share with each other."""

from __future__ import annotations

import secrets
from datetime import date, datetime

from sqlalchemy import Column, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, utcnow
from core.tenancy.isolation import TenantScoped
from core.tenancy.sectors import PARTNER_TYPES, SECTORS  # noqa: F401  (re-exported for models' users)


def new_version() -> str:
    return secrets.token_hex(8)


class Tenant(Base):
    """A safeguarding children partnership. Global: looked up by slug before any scope exists."""

    __tablename__ = "tenants"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str] = mapped_column(String(60))
    arrangements_published: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Replaced in the transaction that switches a module on or off: web processes cache the tenant's modules
    # against it, so every process sees a change on its next request without a query per request. A fresh
    # random value, not a counter, so that a rolled-back change can never be mistaken for a later one.
    modules_version: Mapped[str] = mapped_column(String(16), default=new_version)

    def __repr__(self) -> str:
        return f"<Tenant {self.slug}>"


agency_local_authorities = Table(
    "agency_local_authorities",
    Base.metadata,
    Column("agency_id", ForeignKey("agencies.id", ondelete="CASCADE"), primary_key=True),
    Column("local_authority_id", ForeignKey("local_authorities.id", ondelete="CASCADE"), primary_key=True),
)


class LocalAuthority(TenantScoped, Base):
    __tablename__ = "local_authorities"
    __table_args__ = (UniqueConstraint("tenant_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(200))
    gss_code: Mapped[str | None] = mapped_column(String(9))

    agencies: Mapped[list[Agency]] = relationship(
        secondary=agency_local_authorities, back_populates="local_authorities", order_by="Agency.name"
    )


class Agency(TenantScoped, Base):
    """A safeguarding partner or relevant agency working in the partnership."""

    __tablename__ = "agencies"
    __table_args__ = (UniqueConstraint("tenant_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(200))
    sector: Mapped[str] = mapped_column(String(40))
    partner_type: Mapped[str | None] = mapped_column(String(20))

    local_authorities: Mapped[list[LocalAuthority]] = relationship(
        secondary=agency_local_authorities, back_populates="agencies", order_by="LocalAuthority.name"
    )
    safeguarding_partner: Mapped[SafeguardingPartner | None] = relationship(
        back_populates="agency", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def sector_label(self) -> str:
        return SECTORS.get(self.sector, self.sector)


class SafeguardingPartner(TenantScoped, Base):
    """A statutory safeguarding partner: its lead (LSP) and delegated (DSP) roles, by title."""

    __tablename__ = "safeguarding_partners"
    __table_args__ = (UniqueConstraint("tenant_id", "agency_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"))
    lead_role: Mapped[str] = mapped_column(String(200))
    delegated_roles: Mapped[list] = mapped_column(default=list)
    delegation_cover: Mapped[list] = mapped_column(default=list)

    agency: Mapped[Agency] = relationship(back_populates="safeguarding_partner")


class SharedOffer(Base):
    """Something several tenants share (a training offer, a CDOP footprint), run by a coordinating tenant.

    Global on purpose: membership is what decides visibility of the rows an offer owns.
    """

    __tablename__ = "shared_offers"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    module: Mapped[str] = mapped_column(String(40))
    coordinator_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="RESTRICT"))

    coordinator: Mapped[Tenant] = relationship()
    members: Mapped[list[SharedOfferMember]] = relationship(
        back_populates="offer", cascade="all, delete-orphan"
    )


class SharedOfferMember(Base):
    __tablename__ = "shared_offer_members"

    offer_id: Mapped[int] = mapped_column(ForeignKey("shared_offers.id", ondelete="CASCADE"), primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True)

    offer: Mapped[SharedOffer] = relationship(back_populates="members")
    tenant: Mapped[Tenant] = relationship()
