"""LADO: closing a case while a parallel process is under way, and allocating cases.

A case closed while the police investigation, a children's social care enquiry or the employer's disciplinary
process was still under way keeps which ones, and the LADO's confirmation (who, when, why). A case records the
LADO who took it on, so that referrals sent through the form wait, marked, until one does. Existing cases
start with neither: nothing was confirmed or allocated before.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("lado_cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closed_while_open", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("closed_while_open_reason", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("closed_while_open_by", sa.String(length=254), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("closed_while_open_at", core.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("allocated_to_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("allocated_at", core.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_lado_cases_allocated_to_id_users"), "users", ["allocated_to_id"],
                                    ["id"], ondelete="SET NULL")
    # The defaults only filled the existing rows: the models give new rows their values.
    with op.batch_alter_table("lado_cases", schema=None) as batch_op:
        batch_op.alter_column("closed_while_open", server_default=None)
        batch_op.alter_column("closed_while_open_reason", server_default=None)
        batch_op.alter_column("closed_while_open_by", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("lado_cases", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_lado_cases_allocated_to_id_users"), type_="foreignkey")
        batch_op.drop_column("allocated_at")
        batch_op.drop_column("allocated_to_id")
        batch_op.drop_column("closed_while_open_at")
        batch_op.drop_column("closed_while_open_by")
        batch_op.drop_column("closed_while_open_reason")
        batch_op.drop_column("closed_while_open")
