"""escalations about a closure step left pending (the ladder's closure source)

Revision ID: 0013_closure_docs
Revises: 0012_petition_escalation
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_closure_docs"
down_revision: str | None = '0012_petition_escalation'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("escalation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closure_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_escalation_closure_id"), ["closure_id"], unique=False)
        batch_op.create_foreign_key("fk_escalation_closure_id_closure", "closure", ["closure_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("escalation", schema=None) as batch_op:
        batch_op.drop_constraint("fk_escalation_closure_id_closure", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_escalation_closure_id"))
        batch_op.drop_column("closure_id")
