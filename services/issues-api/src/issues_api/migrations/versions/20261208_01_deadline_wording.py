"""issue and measure deadlines keep their wording and precision

* `deadline_text`: the 整改时限 as the office's file wrote it ("2025年12月底前", "长期坚持",
  "整改方案印发后30个工作日内"), beside the parsed `deadline`.
* `deadline_precision`: day | month | quarter | half | year | working_days | immediate | long_term
  (a month-only date is stored as the month's last day; the precision says so).

Both null for rows entered before (their wording is unknown).

Revision ID: 20261208_01_deadline_wording
Revises: 20261208_51_sso_accounts
Create Date: 2026-12-08
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '20261208_01_deadline_wording'
down_revision: str | None = '20261208_51_sso_accounts'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ('issue', 'measure'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('deadline_text', sa.String(length=200), nullable=True))
            batch_op.add_column(sa.Column('deadline_precision', sa.String(length=20), nullable=True))


def downgrade() -> None:
    for table in ('measure', 'issue'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('deadline_precision')
            batch_op.drop_column('deadline_text')
