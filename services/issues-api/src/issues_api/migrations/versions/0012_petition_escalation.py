"""escalations of overdue petition cases

Revision ID: 0012_petition_escalation
Revises: 0011_idempotency
Create Date: 2026-12-03
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012_petition_escalation'
down_revision: str | None = '0011_idempotency'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('escalation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('petition_case_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_escalation_petition_case_id'), ['petition_case_id'], unique=False)
        batch_op.create_foreign_key(
            'fk_escalation_petition_case_id_petition_case', 'petition_case', ['petition_case_id'], ['id']
        )


def downgrade() -> None:
    with op.batch_alter_table('escalation', schema=None) as batch_op:
        batch_op.drop_constraint('fk_escalation_petition_case_id_petition_case', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_escalation_petition_case_id'))
        batch_op.drop_column('petition_case_id')
