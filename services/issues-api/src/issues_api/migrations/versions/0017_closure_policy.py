"""closure_policy: each round's closure policy (acceptance levels, notice, attestation cycle, petition closure)

Revision ID: 0017_closure_policy
Revises: 0016_rls
Create Date: 2026-12-10
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

import rectify_shared.models.types

revision: str = '0017_closure_policy'
down_revision: str | None = '0016_rls'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('closure_policy',
    sa.Column('round_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('acceptance_levels', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('step_working_days', sa.Integer(), nullable=False),
    sa.Column('publicity_days', sa.Integer(), nullable=False),
    sa.Column('publicity_day_kind', sa.String(length=10), nullable=False),
    sa.Column('attestation_cycle', sa.String(length=10), nullable=False),
    sa.Column('petition_closure', sa.String(length=20), nullable=False),
    sa.Column('updated_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('updated_at', rectify_shared.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['inspection_round.id'], ),
    sa.PrimaryKeyConstraint('round_id')
    )


def downgrade() -> None:
    op.drop_table('closure_policy')
