"""indicators: targets, time series and the measures they measure

Revision ID: 0010_indicators
Revises: 0009_closures
Create Date: 2026-12-02
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate writes sqlmodel.sql.sqltypes.AutoString)
from alembic import op
from sqlalchemy.dialects import postgresql

import rectify_shared.models.indicator  # noqa: F401
import rectify_shared.models.types  # noqa: F401

revision: str = '0010_indicators'
down_revision: str | None = '0009_closures'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('indicator',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=True),
    sa.Column('issue_id', sa.Integer(), nullable=True),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('unit', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('direction', sa.String(length=10), nullable=False),
    sa.Column('baseline', rectify_shared.models.indicator.DecimalText(length=40), nullable=True),
    sa.Column('baseline_date', sa.Date(), nullable=True),
    sa.Column('target', rectify_shared.models.indicator.DecimalText(length=40), nullable=True),
    sa.Column('target_date', sa.Date(), nullable=True),
    sa.Column('frequency', sa.String(length=20), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('org_path', sa.String(length=512).with_variant(sa.String(length=512, collation='C'), 'postgresql'), nullable=False),
    sa.Column('illustrative', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('created_at', rectify_shared.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', rectify_shared.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['issue_id'], ['issue.id'], ),
    sa.ForeignKeyConstraint(['org_id'], ['org.id'], ),
    sa.ForeignKeyConstraint(['round_id'], ['inspection_round.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('indicator', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_indicator_issue_id'), ['issue_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_indicator_org_path'), ['org_path'], unique=False)
        batch_op.create_index(batch_op.f('ix_indicator_round_id'), ['round_id'], unique=False)

    op.create_table('indicator_measure',
    sa.Column('indicator_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('measure_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.ForeignKeyConstraint(['indicator_id'], ['indicator.id'], ),
    sa.ForeignKeyConstraint(['measure_id'], ['measure.id'], ),
    sa.PrimaryKeyConstraint('indicator_id', 'measure_id')
    )
    with op.batch_alter_table('indicator_measure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_indicator_measure_measure_id'), ['measure_id'], unique=False)

    op.create_table('indicator_value',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('org_path', sa.String(length=512).with_variant(sa.String(length=512, collation='C'), 'postgresql'), nullable=False),
    sa.Column('period', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('value', rectify_shared.models.indicator.DecimalText(length=40), nullable=True),
    sa.Column('stages', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('attachment_id', sa.Integer(), nullable=True),
    sa.Column('illustrative', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('reported_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('reported_at', rectify_shared.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['indicator_id'], ['indicator.id'], ),
    sa.ForeignKeyConstraint(['org_id'], ['org.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('indicator_id', 'org_id', 'period', name='uq_indicator_value_period')
    )
    with op.batch_alter_table('indicator_value', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_indicator_value_org_path'), ['org_path'], unique=False)
        batch_op.create_index('ix_indicator_value_series', ['indicator_id', 'period_end'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('indicator_value', schema=None) as batch_op:
        batch_op.drop_index('ix_indicator_value_series')
        batch_op.drop_index(batch_op.f('ix_indicator_value_org_path'))

    op.drop_table('indicator_value')
    with op.batch_alter_table('indicator_measure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_indicator_measure_measure_id'))

    op.drop_table('indicator_measure')
    with op.batch_alter_table('indicator', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_indicator_round_id'))
        batch_op.drop_index(batch_op.f('ix_indicator_org_path'))
        batch_op.drop_index(batch_op.f('ix_indicator_issue_id'))

    op.drop_table('indicator')
