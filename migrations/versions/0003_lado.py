"""LADO module: its tables.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('lado_reference_counters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_lado_reference_counters_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lado_reference_counters')),
    sa.UniqueConstraint('tenant_id', 'code', 'year', name=op.f('uq_lado_reference_counters_tenant_id_code_year'))
    )

    with op.batch_alter_table('lado_reference_counters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lado_reference_counters_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('lado_cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=40), nullable=False),
    sa.Column('local_authority_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('concern_on', sa.Date(), nullable=True),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('referred_on', sa.Date(), nullable=True),
    sa.Column('converted_on', sa.Date(), nullable=True),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('harm_criteria', sa.JSON(), nullable=False),
    sa.Column('outside_work', sa.Boolean(), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('referrer_agency_id', sa.Integer(), nullable=True),
    sa.Column('referrer_name', sa.String(length=200), nullable=False),
    sa.Column('referrer_role', sa.String(length=200), nullable=False),
    sa.Column('referrer_contact', sa.String(length=200), nullable=False),
    sa.Column('referring_sector', sa.String(length=40), nullable=False),
    sa.Column('person_name', sa.String(length=200), nullable=False),
    sa.Column('person_role', sa.String(length=200), nullable=False),
    sa.Column('person_employer', sa.String(length=200), nullable=False),
    sa.Column('employer_sector', sa.String(length=40), nullable=False),
    sa.Column('employment_type', sa.String(length=20), nullable=False),
    sa.Column('person_born_on', sa.Date(), nullable=True),
    sa.Column('person_pension_on', sa.Date(), nullable=True),
    sa.Column('advice', sa.Text(), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('outcome_note', sa.Text(), nullable=False),
    sa.Column('dbs_referred_on', sa.Date(), nullable=True),
    sa.Column('regulator', sa.String(length=20), nullable=False),
    sa.Column('regulator_referred_on', sa.Date(), nullable=True),
    sa.Column('employer_learning', sa.Text(), nullable=False),
    sa.Column('review_on', sa.Date(), nullable=True),
    sa.Column('review_extended', sa.Boolean(), nullable=False),
    sa.Column('removed_on', sa.Date(), nullable=True),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_activity_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['local_authority_id'], ['local_authorities.id'], name=op.f('fk_lado_cases_local_authority_id_local_authorities'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['referrer_agency_id'], ['agencies.id'], name=op.f('fk_lado_cases_referrer_agency_id_agencies'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_lado_cases_submitted_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_lado_cases_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lado_cases')),
    sa.UniqueConstraint('tenant_id', 'reference', name=op.f('uq_lado_cases_tenant_id_reference'))
    )

    with op.batch_alter_table('lado_cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lado_cases_review_on'), ['review_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_lado_cases_submitted_by_id'), ['submitted_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lado_cases_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_lado_cases_tenant_id_local_authority_id_status', ['tenant_id', 'local_authority_id', 'status'], unique=False)

    op.create_table('lado_children',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('initials', sa.String(length=5), nullable=False),
    sa.Column('age', sa.Integer(), nullable=True),
    sa.Column('gender', sa.String(length=20), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['lado_cases.id'], name=op.f('fk_lado_children_case_id_lado_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_lado_children_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lado_children'))
    )

    with op.batch_alter_table('lado_children', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lado_children_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lado_children_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('lado_employer_actions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('taken_on', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['lado_cases.id'], name=op.f('fk_lado_employer_actions_case_id_lado_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_lado_employer_actions_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lado_employer_actions'))
    )

    with op.batch_alter_table('lado_employer_actions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lado_employer_actions_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lado_employer_actions_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('lado_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('happened_on', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('author_label', sa.String(length=254), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['lado_cases.id'], name=op.f('fk_lado_entries_case_id_lado_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_lado_entries_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lado_entries'))
    )

    with op.batch_alter_table('lado_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lado_entries_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lado_entries_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('lado_meetings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('attendees', sa.JSON(), nullable=False),
    sa.Column('decisions', sa.Text(), nullable=False),
    sa.Column('actions', sa.Text(), nullable=False),
    sa.Column('next_review_on', sa.Date(), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['lado_cases.id'], name=op.f('fk_lado_meetings_case_id_lado_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_lado_meetings_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lado_meetings'))
    )

    with op.batch_alter_table('lado_meetings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lado_meetings_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lado_meetings_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('lado_processes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=True),
    sa.Column('concluded_on', sa.Date(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['lado_cases.id'], name=op.f('fk_lado_processes_case_id_lado_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_lado_processes_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lado_processes')),
    sa.UniqueConstraint('case_id', 'kind', name=op.f('uq_lado_processes_case_id_kind'))
    )

    with op.batch_alter_table('lado_processes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lado_processes_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lado_processes_tenant_id'), ['tenant_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('lado_processes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lado_processes_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_lado_processes_case_id'))
    op.drop_table('lado_processes')
    with op.batch_alter_table('lado_meetings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lado_meetings_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_lado_meetings_case_id'))
    op.drop_table('lado_meetings')
    with op.batch_alter_table('lado_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lado_entries_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_lado_entries_case_id'))
    op.drop_table('lado_entries')
    with op.batch_alter_table('lado_employer_actions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lado_employer_actions_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_lado_employer_actions_case_id'))
    op.drop_table('lado_employer_actions')
    with op.batch_alter_table('lado_children', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lado_children_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_lado_children_case_id'))
    op.drop_table('lado_children')
    with op.batch_alter_table('lado_cases', schema=None) as batch_op:
        batch_op.drop_index('ix_lado_cases_tenant_id_local_authority_id_status')
        batch_op.drop_index(batch_op.f('ix_lado_cases_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_lado_cases_submitted_by_id'))
        batch_op.drop_index(batch_op.f('ix_lado_cases_review_on'))
    op.drop_table('lado_cases')
    with op.batch_alter_table('lado_reference_counters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lado_reference_counters_tenant_id'))
    op.drop_table('lado_reference_counters')
