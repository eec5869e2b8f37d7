"""measure_evidence: a round may keep each measure's evidence to the unit that answers for it

* `inspection_round.measure_evidence_private` (default false): when set, a unit that reads a problem
  only because it answers for one of its measures (an `issue_org` row of role `measure`) does not
  see the other measures' progress reports and evidence (佐证材料).

Revision ID: 20261207_11_measure_evidence
Revises: 20261206_06_escalation_ladder
Create Date: 2026-12-07
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '20261207_11_measure_evidence'
down_revision: str | None = '20261206_06_escalation_ladder'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('inspection_round', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('measure_evidence_private', sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table('inspection_round', schema=None) as batch_op:
        batch_op.drop_column('measure_evidence_private')
