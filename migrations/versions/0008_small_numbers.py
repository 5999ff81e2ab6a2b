"""The arrangements keep the smallest count the partnership publishes.

Counts from 1 to one below it are published as "fewer than N" in the annual report and the data set
(core.suppression). Every partnership starts at 5.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("arrangements", schema=None) as batch_op:
        batch_op.add_column(sa.Column("small_numbers_threshold", sa.Integer(), nullable=False, server_default="5"))


def downgrade() -> None:
    with op.batch_alter_table("arrangements", schema=None) as batch_op:
        batch_op.drop_column("small_numbers_threshold")
