"""long-term tasks: re-attestations and relapses (反弹)

Revision ID: 0014_long_term
Revises: 0013_closure_docs
Create Date: 2026-11-28
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate writes sqlmodel.sql.sqltypes.AutoString)
from alembic import op

import rectify_shared.models.types  # noqa: F401

revision: str = '0014_long_term'
down_revision: str | None = '0013_closure_docs'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('issue_attestation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('issue_id', sa.Integer(), nullable=False),
    sa.Column('org_path', sa.String(length=512).with_variant(sa.String(length=512, collation='C'), 'postgresql'), nullable=False),
    sa.Column('progress_report_id', sa.BigInteger(), nullable=False),
    sa.Column('attesting_org_id', sa.Integer(), nullable=False),
    sa.Column('statement', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('cycle', sa.String(length=20), nullable=False),
    sa.Column('period', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('attested_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('attested_at', rectify_shared.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['attesting_org_id'], ['org.id'], ),
    sa.ForeignKeyConstraint(['issue_id'], ['issue.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_issue_attestation_issue', 'issue_attestation', ['issue_id', 'id'], unique=False)
    op.create_table('issue_relapse',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('issue_id', sa.Integer(), nullable=False),
    sa.Column('org_path', sa.String(length=512).with_variant(sa.String(length=512, collation='C'), 'postgresql'), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('progress_report_id', sa.BigInteger(), nullable=True),
    sa.Column('petition_case_id', sa.Integer(), nullable=True),
    sa.Column('source_detail', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('from_status', sa.String(length=30), nullable=False),
    sa.Column('closure_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('recorded_at', rectify_shared.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['closure_id'], ['closure.id'], ),
    sa.ForeignKeyConstraint(['issue_id'], ['issue.id'], ),
    sa.ForeignKeyConstraint(['petition_case_id'], ['petition_case.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_issue_relapse_issue', 'issue_relapse', ['issue_id', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_issue_relapse_issue', table_name='issue_relapse')
    op.drop_table('issue_relapse')
    op.drop_index('ix_issue_attestation_issue', table_name='issue_attestation')
    op.drop_table('issue_attestation')
