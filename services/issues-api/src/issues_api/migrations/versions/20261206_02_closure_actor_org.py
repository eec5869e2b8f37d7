"""closure_actor_org: every closure step records the org the acting user belongs to

* `closure_step.actor_org_id` (FK org.id, nullable: steps before this revision and system acts
  have none). `closure_step.org_id` stays the org whose opinion the step is (the reviewing lead
  unit, the accepting level's org); the two differ when an office acts for a unit.

Revision ID: 20261206_02_closure_actor_org
Revises: 20261206_01_office_org
Create Date: 2026-12-06
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '20261206_02_closure_actor_org'
down_revision: str | None = '20261206_01_office_org'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('closure_step', schema=None) as batch_op:
        batch_op.add_column(sa.Column('actor_org_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_closure_step_actor_org_id', 'org', ['actor_org_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('closure_step', schema=None) as batch_op:
        batch_op.drop_constraint('fk_closure_step_actor_org_id', type_='foreignkey')
        batch_op.drop_column('actor_org_id')
