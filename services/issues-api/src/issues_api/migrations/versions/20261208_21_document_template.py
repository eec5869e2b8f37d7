"""document_template: the office's own templates for the documents (versioned rows, one per upload)

Revision ID: 20261208_21_document_template
Revises: 20261208_32_qualitative_target
Create Date: 2026-12-08
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '20261208_21_document_template'
down_revision: str | None = '20261208_32_qualitative_target'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'document_template',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('scope', sa.String(length=40), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=True),
        sa.Column('org_id', sa.Integer(), nullable=True),
        sa.Column('org_path', sa.String(length=512).with_variant(sa.String(length=512, collation='C'), 'postgresql'), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('format', sa.String(length=10), nullable=False),
        sa.Column('content', sa.LargeBinary(), nullable=False),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('created_by', sa.String(length=100), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['org_id'], ['org.id']),
        sa.ForeignKeyConstraint(['round_id'], ['inspection_round.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('document_template', schema=None) as batch_op:
        batch_op.create_index('ix_document_template_scope', ['kind', 'scope', 'version'], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('document_template', schema=None) as batch_op:
        batch_op.drop_index('ix_document_template_scope')
    op.drop_table('document_template')
