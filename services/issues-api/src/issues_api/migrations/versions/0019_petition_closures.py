"""petition_closures: a closure may target a petition case (round policy `petition_closure: writeoff`)

`closure.issue_id` becomes nullable; `closure.petition_case_id` (unique, FK petition_case.id) is
added with a check that exactly one of the two is set. On PostgreSQL the row-level security
policy of 0018_rls_more on `closure` is re-created so a case's closure is visible through the
case's locality or responsible org path.

Revision ID: 0019_petition_closures
Revises: 0018_rls_more
Create Date: 2026-12-12
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0019_petition_closures'
down_revision: str | None = '0018_rls_more'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

POLICY = "rectify_tenant_subtree"
OLD_CONDITION = "EXISTS (SELECT 1 FROM issue i WHERE i.id = closure.issue_id)"
NEW_CONDITION = (
    "EXISTS (SELECT 1 FROM issue i WHERE i.id = closure.issue_id)"
    " OR EXISTS (SELECT 1 FROM petition_case p WHERE p.id = closure.petition_case_id)"
)


def _policy(condition: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"DROP POLICY IF EXISTS {POLICY} ON closure")
    op.execute(f"CREATE POLICY {POLICY} ON closure USING ({condition})")


def upgrade() -> None:
    with op.batch_alter_table('closure', schema=None) as batch_op:
        batch_op.add_column(sa.Column('petition_case_id', sa.Integer(), nullable=True))
        batch_op.alter_column('issue_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_unique_constraint('uq_closure_petition_case_id', ['petition_case_id'])
        batch_op.create_foreign_key('fk_closure_petition_case_id', 'petition_case', ['petition_case_id'], ['id'])
        batch_op.create_check_constraint('ck_closure_one_target', '(issue_id IS NULL) <> (petition_case_id IS NULL)')
    _policy(NEW_CONDITION)


def downgrade() -> None:
    _policy(OLD_CONDITION)
    with op.batch_alter_table('closure', schema=None) as batch_op:
        batch_op.drop_constraint('ck_closure_one_target', type_='check')
        batch_op.drop_constraint('fk_closure_petition_case_id', type_='foreignkey')
        batch_op.drop_constraint('uq_closure_petition_case_id', type_='unique')
        batch_op.drop_column('petition_case_id')
        batch_op.alter_column('issue_id', existing_type=sa.Integer(), nullable=False)
