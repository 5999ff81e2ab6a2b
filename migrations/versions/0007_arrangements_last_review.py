"""The arrangements keep the date of their latest review.

The next review follows the latest review by date, not the last one entered, so the latest is kept with the
arrangements. Reviews recorded before this revision are read back from the audit log, where each one was
recorded with its date.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import json
from datetime import date

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("arrangements", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_reviewed_on", sa.Date(), nullable=True))

    connection = op.get_bind()
    latest: dict[int, date] = {}
    for tenant_id, details in connection.execute(sa.text(
        "SELECT tenant_id, details FROM audit_events WHERE action = 'arrangements.reviewed'"
    )):
        details = json.loads(details) if isinstance(details, str) else details
        reviewed = (details or {}).get("reviewed_on")
        if tenant_id is not None and reviewed:
            day = date.fromisoformat(reviewed)
            latest[tenant_id] = max(day, latest.get(tenant_id, day))
    for tenant_id, day in latest.items():
        connection.execute(sa.text("UPDATE arrangements SET last_reviewed_on = :day WHERE tenant_id = :tenant")
                           .bindparams(day=day, tenant=tenant_id))


def downgrade() -> None:
    with op.batch_alter_table("arrangements", schema=None) as batch_op:
        batch_op.drop_column("last_reviewed_on")
