"""petition cases (信访举报件): batches, cases, state history, the round policy

Revision ID: 0008_petitions
Revises: 0007_report_reuse
Create Date: 2026-12-02
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate writes sqlmodel.sql.sqltypes.AutoString)
from alembic import op
from sqlalchemy.dialects import postgresql

import rectify_shared.models.types  # noqa: F401

revision: str = '0008_petitions'
down_revision: str | None = '0007_report_reuse'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('petition_batch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('batch_no', sa.Integer(), nullable=False),
    sa.Column('transferred_at', sa.Date(), nullable=False),
    sa.Column('due_days', sa.Integer(), nullable=True),
    sa.Column('day_kind', sa.String(length=20), nullable=True),
    sa.Column('org_path', sa.String(length=512).with_variant(sa.String(length=512, collation='C'), 'postgresql'), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('created_at', rectify_shared.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['inspection_round.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('round_id', 'batch_no', name='uq_petition_batch_round_no')
    )
    with op.batch_alter_table('petition_batch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_petition_batch_round_id'), ['round_id'], unique=False)

    op.create_table('petition_policy',
    sa.Column('round_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('due_days', sa.Integer(), nullable=False),
    sa.Column('day_kind', sa.String(length=20), nullable=False),
    sa.Column('updated_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('updated_at', rectify_shared.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['inspection_round.id'], ),
    sa.PrimaryKeyConstraint('round_id')
    )
    op.create_table('petition_case',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('intake_no', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=True),
    sa.Column('content', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('locality_org_id', sa.Integer(), nullable=False),
    sa.Column('locality_path', sa.String(length=512).with_variant(sa.String(length=512, collation='C'), 'postgresql'), nullable=False),
    sa.Column('reported_party', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('pollution_types', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('key_attention', sa.Boolean(), nullable=False),
    sa.Column('responsible_org_id', sa.Integer(), nullable=True),
    sa.Column('responsible_path', sa.String(length=512).with_variant(sa.String(length=512, collation='C'), 'postgresql'), nullable=True),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('findings', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('verdict', sa.String(length=30), nullable=True),
    sa.Column('handling', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('accountability', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('state', sa.String(length=30), nullable=False),
    sa.Column('certified_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('certified_at', sa.Date(), nullable=True),
    sa.Column('published_at', sa.Date(), nullable=True),
    sa.Column('follow_up', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('repeat_of_id', sa.Integer(), nullable=True),
    sa.Column('issue_id', sa.Integer(), nullable=True),
    sa.Column('illustrative', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('created_at', rectify_shared.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', rectify_shared.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['petition_batch.id'], ),
    sa.ForeignKeyConstraint(['issue_id'], ['issue.id'], ),
    sa.ForeignKeyConstraint(['locality_org_id'], ['org.id'], ),
    sa.ForeignKeyConstraint(['repeat_of_id'], ['petition_case.id'], ),
    sa.ForeignKeyConstraint(['responsible_org_id'], ['org.id'], ),
    sa.ForeignKeyConstraint(['round_id'], ['inspection_round.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('round_id', 'intake_no', name='uq_petition_case_round_intake')
    )
    with op.batch_alter_table('petition_case', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_petition_case_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index('ix_petition_case_locality_path', ['locality_path'], unique=False)
        batch_op.create_index('ix_petition_case_responsible_path', ['responsible_path'], unique=False)
        batch_op.create_index('ix_petition_case_round_state', ['round_id', 'state'], unique=False)

    op.create_table('petition_state_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('from_state', sa.String(length=30), nullable=True),
    sa.Column('to_state', sa.String(length=30), nullable=False),
    sa.Column('changed_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('changed_at', rectify_shared.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['petition_case.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('petition_state_change', schema=None) as batch_op:
        batch_op.create_index('ix_petition_state_change_case_at', ['case_id', 'changed_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('petition_state_change', schema=None) as batch_op:
        batch_op.drop_index('ix_petition_state_change_case_at')

    op.drop_table('petition_state_change')
    with op.batch_alter_table('petition_case', schema=None) as batch_op:
        batch_op.drop_index('ix_petition_case_round_state')
        batch_op.drop_index('ix_petition_case_responsible_path')
        batch_op.drop_index('ix_petition_case_locality_path')
        batch_op.drop_index(batch_op.f('ix_petition_case_batch_id'))

    op.drop_table('petition_case')
    op.drop_table('petition_policy')
    with op.batch_alter_table('petition_batch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_petition_batch_round_id'))

    op.drop_table('petition_batch')
