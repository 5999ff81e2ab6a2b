"""Multi-agency training module: its tables.

Courses and sessions (owned by a partnership, shared with an offer's members when shared_offer_id is set),
bookings with attendance and charges, the three-stage evaluation, and the training needs analysis.
The module's default role grants are applied when a partnership first enables it, so none are added here.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('training_needs_surveys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('plan_year', sa.Integer(), nullable=False),
    sa.Column('topics', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('closes_on', sa.Date(), nullable=True),
    sa.Column('opened_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_training_needs_surveys_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_needs_surveys'))
    )
    with op.batch_alter_table('training_needs_surveys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_needs_surveys_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('training_courses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('audience', sa.Text(), nullable=False),
    sa.Column('learning_outcomes', sa.Text(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('delivery_mode', sa.String(length=20), nullable=False),
    sa.Column('prerequisite_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('shared_offer_id', sa.Integer(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['prerequisite_id'], ['training_courses.id'], name=op.f('fk_training_courses_prerequisite_id_training_courses'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['shared_offer_id'], ['shared_offers.id'], name=op.f('fk_training_courses_shared_offer_id_shared_offers'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_training_courses_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_courses'))
    )
    with op.batch_alter_table('training_courses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_courses_shared_offer_id'), ['shared_offer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_courses_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('training_needs_responses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('respondent_id', sa.Integer(), nullable=True),
    sa.Column('needs', sa.JSON(), nullable=False),
    sa.Column('staff', sa.JSON(), nullable=False),
    sa.Column('preferred_delivery', sa.String(length=20), nullable=False),
    sa.Column('comments', sa.Text(), nullable=False),
    sa.Column('submitted_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_training_needs_responses_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['respondent_id'], ['users.id'], name=op.f('fk_training_needs_responses_respondent_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['survey_id'], ['training_needs_surveys.id'], name=op.f('fk_training_needs_responses_survey_id_training_needs_surveys'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_training_needs_responses_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_needs_responses')),
    sa.UniqueConstraint('survey_id', 'agency_id', name=op.f('uq_training_needs_responses_survey_id_agency_id'))
    )
    with op.batch_alter_table('training_needs_responses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_needs_responses_survey_id'), ['survey_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_needs_responses_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('training_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('venue', sa.String(length=300), nullable=False),
    sa.Column('joining_link', sa.String(length=500), nullable=False),
    sa.Column('trainers', sa.String(length=300), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('joining_instructions', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('shared_offer_id', sa.Integer(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['training_courses.id'], name=op.f('fk_training_sessions_course_id_training_courses')),
    sa.ForeignKeyConstraint(['shared_offer_id'], ['shared_offers.id'], name=op.f('fk_training_sessions_shared_offer_id_shared_offers'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_training_sessions_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_sessions'))
    )
    with op.batch_alter_table('training_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_sessions_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_sessions_shared_offer_id'), ['shared_offer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_sessions_starts_at'), ['starts_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_sessions_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('training_bookings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=True),
    sa.Column('delegate_name', sa.String(length=200), nullable=False),
    sa.Column('delegate_email', sa.String(length=254), nullable=False),
    sa.Column('manager_email', sa.String(length=254), nullable=False),
    sa.Column('booked_by_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('attendance', sa.String(length=20), nullable=True),
    sa.Column('charge_pence', sa.Integer(), nullable=False),
    sa.Column('requested_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('attendance_recorded_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ical_sequence', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_training_bookings_agency_id_agencies'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['booked_by_id'], ['users.id'], name=op.f('fk_training_bookings_booked_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['training_sessions.id'], name=op.f('fk_training_bookings_session_id_training_sessions')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_training_bookings_tenant_id_tenants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_training_bookings_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_bookings'))
    )
    with op.batch_alter_table('training_bookings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_bookings_session_id'), ['session_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_bookings_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_bookings_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_bookings_user_id'), ['user_id'], unique=False)

    op.create_table('training_evaluations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=20), nullable=False),
    sa.Column('knowledge', sa.Integer(), nullable=False),
    sa.Column('confidence', sa.Integer(), nullable=False),
    sa.Column('comments', sa.Text(), nullable=False),
    sa.Column('manager_name', sa.String(length=200), nullable=False),
    sa.Column('submitted_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['booking_id'], ['training_bookings.id'], name=op.f('fk_training_evaluations_booking_id_training_bookings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_training_evaluations_submitted_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_training_evaluations_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_evaluations')),
    sa.UniqueConstraint('booking_id', 'stage', name=op.f('uq_training_evaluations_booking_id_stage'))
    )
    with op.batch_alter_table('training_evaluations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_evaluations_booking_id'), ['booking_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_evaluations_tenant_id'), ['tenant_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('training_evaluations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_evaluations_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_training_evaluations_booking_id'))

    op.drop_table('training_evaluations')
    with op.batch_alter_table('training_bookings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_bookings_user_id'))
        batch_op.drop_index(batch_op.f('ix_training_bookings_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_training_bookings_status'))
        batch_op.drop_index(batch_op.f('ix_training_bookings_session_id'))

    op.drop_table('training_bookings')
    with op.batch_alter_table('training_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_sessions_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_training_sessions_starts_at'))
        batch_op.drop_index(batch_op.f('ix_training_sessions_shared_offer_id'))
        batch_op.drop_index(batch_op.f('ix_training_sessions_course_id'))

    op.drop_table('training_sessions')
    with op.batch_alter_table('training_needs_responses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_needs_responses_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_training_needs_responses_survey_id'))

    op.drop_table('training_needs_responses')
    with op.batch_alter_table('training_courses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_courses_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_training_courses_shared_offer_id'))

    op.drop_table('training_courses')
    with op.batch_alter_table('training_needs_surveys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_needs_surveys_tenant_id'))

    op.drop_table('training_needs_surveys')
