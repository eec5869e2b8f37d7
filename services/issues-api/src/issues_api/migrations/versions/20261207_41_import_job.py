"""import_job: an office's 台账/整改方案 file brought into a round — previewed, then applied at once

* `import_job`: the file's reading, preview, SHA-256 and result.
* `inspection_round.plan_document`: the 整改方案's own header (文号, issuing bodies, date, title),
  set when a .docx is applied.

Revision ID: 20261207_41_import_job
Revises: 20261206_06_escalation_ladder
Create Date: 2026-12-07
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '20261207_41_import_job'
down_revision: str | None = '20261207_22_encrypt_contacts'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    op.create_table(
        'import_job',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('org_path', sa.String(length=512).with_variant(sa.String(length=512, collation='C'), 'postgresql'), nullable=False),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('size_bytes', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('options', _JSON, nullable=True),
        sa.Column('rows', _JSON, nullable=True),
        sa.Column('preview', _JSON, nullable=True),
        sa.Column('errors', _JSON, nullable=True),
        sa.Column('result', _JSON, nullable=True),
        sa.Column('created_by', sa.String(length=100), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('applied_by', sa.String(length=100), nullable=True),
        sa.Column('applied_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['round_id'], ['inspection_round.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('import_job', schema=None) as batch_op:
        batch_op.create_index('ix_import_job_round_id', ['round_id'], unique=False)
        batch_op.create_index('ix_import_job_round_sha', ['round_id', 'sha256'], unique=False)
    with op.batch_alter_table('inspection_round', schema=None) as batch_op:
        batch_op.add_column(sa.Column('plan_document', _JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('inspection_round', schema=None) as batch_op:
        batch_op.drop_column('plan_document')
    with op.batch_alter_table('import_job', schema=None) as batch_op:
        batch_op.drop_index('ix_import_job_round_sha')
        batch_op.drop_index('ix_import_job_round_id')
    op.drop_table('import_job')
