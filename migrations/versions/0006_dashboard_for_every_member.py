"""The dashboard is every member's home: the permission that once guarded it is retired.

A member whose roles lacked it (a LADO officer, say) signed in to a 403. The dashboard now answers every
member of the partnership, showing the panels their roles allow, so the grant means nothing and is removed
from every role (left behind, it would be exported in tenant files that could no longer be imported).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

RETIRED = "core.dashboard.view"


def upgrade() -> None:
    op.execute(sa.text("DELETE FROM role_permissions WHERE permission = :p").bindparams(p=RETIRED))


def downgrade() -> None:
    # Every role had the dashboard in effect, so every role gets the grant back.
    op.execute(sa.text(
        "INSERT INTO role_permissions (tenant_id, role_id, permission) SELECT tenant_id, id, :p FROM roles"
    ).bindparams(p=RETIRED))
