"""ledger_history: facts carry the day they happened; measures can be waived; measure orgs read their issue

* `occurred_on` (date, nullable) on issue, measure, issue_status_change, progress_report and
  closure_step: the day a thing happened when the office records history from before Rectify
  (server times — `created_at`, `changed_at`, `at` — stay as they are). Progress reports written so
  far get the day of their `reported_at`.
* `measure_status_change`: a measure's status history (the ledger as of a day shows measures as
  they stood; measures without history keep their current status there).
* `measure.waived_reason`: the office's reason for the new measure status `waived`.
* `inspection_round.completion_requires_attachment`: a unit declaring a measure completed must have
  linked evidence.
* `issue_org` rows of role `measure`: the responsible org of every live measure may read the issue
  (backfilled here; kept in step by the ledger's writes). Row-level security (0016_rls, 0018_rls_more)
  reads `issue_org`, so its policies follow without change.

Revision ID: 20261206_05_ledger_history
Revises: 20261206_04_template_owner_org
Create Date: 2026-12-06
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import rectify_shared.models.types

revision: str = '20261206_05_ledger_history'
down_revision: str | None = "20261206_04_template_owner_org"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OCCURRED = ('issue', 'measure', 'issue_status_change', 'progress_report', 'closure_step')


def upgrade() -> None:
    for table in _OCCURRED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('occurred_on', sa.Date(), nullable=True))
    with op.batch_alter_table('measure', schema=None) as batch_op:
        batch_op.add_column(sa.Column('waived_reason', sa.String(), nullable=True))
    with op.batch_alter_table('inspection_round', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('completion_requires_attachment', sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table('measure_status_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('measure_id', sa.Integer(), nullable=False),
    sa.Column('from_status', sa.String(length=30), nullable=True),
    sa.Column('to_status', sa.String(length=30), nullable=False),
    sa.Column('changed_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('changed_at', rectify_shared.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('occurred_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['measure_id'], ['measure.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('measure_status_change', schema=None) as batch_op:
        batch_op.create_index('ix_measure_status_change_measure_at', ['measure_id', 'changed_at'], unique=False)
    bind = op.get_bind()
    # the day in China (UTC+8, no daylight saving) of each report written so far
    if bind.dialect.name == 'postgresql':
        op.execute(
            "UPDATE progress_report SET occurred_on = (reported_at AT TIME ZONE 'Asia/Shanghai')::date"
        )
    else:
        op.execute("UPDATE progress_report SET occurred_on = date(reported_at, '+8 hours')")
    op.execute(
        "INSERT INTO issue_org (issue_id, org_id, role, org_path)"
        " SELECT DISTINCT m.issue_id, m.responsible_org_id, 'measure', o.path FROM measure m"
        " JOIN org o ON o.id = m.responsible_org_id"
        " WHERE m.responsible_org_id IS NOT NULL AND m.withdrawn_at IS NULL"
    )


def downgrade() -> None:
    op.execute("DELETE FROM issue_org WHERE role = 'measure'")
    with op.batch_alter_table('measure_status_change', schema=None) as batch_op:
        batch_op.drop_index('ix_measure_status_change_measure_at')
    op.drop_table('measure_status_change')
    with op.batch_alter_table('inspection_round', schema=None) as batch_op:
        batch_op.drop_column('completion_requires_attachment')
    with op.batch_alter_table('measure', schema=None) as batch_op:
        batch_op.drop_column('waived_reason')
    for table in reversed(_OCCURRED):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('occurred_on')
