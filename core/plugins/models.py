from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, utcnow
from core.tenancy.isolation import TenantScoped


class ModuleEnablement(TenantScoped, Base):
    """Whether a module is on for a tenant, with its validated settings.

    Disabling keeps the row (and the module's data): enabling again restores both.
    """

    __tablename__ = "module_enablements"
    __table_args__ = (UniqueConstraint("tenant_id", "module"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module: Mapped[str] = mapped_column(String(40))
    enabled: Mapped[bool] = mapped_column(default=False)
    settings: Mapped[dict] = mapped_column(default=dict)
    # Default role grants are applied once, so that what a tenant admin takes away stays taken away.
    grants_applied: Mapped[bool] = mapped_column(default=False)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
