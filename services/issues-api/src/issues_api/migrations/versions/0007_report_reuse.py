"""report reuse: the request key and data version of a report job

Revision ID: 0007_report_reuse
Revises: 0006_delivery_prefs
Create Date: 2026-12-08
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate writes sqlmodel.sql.sqltypes.AutoString)
from alembic import op

revision: str = '0007_report_reuse'
down_revision: str | None = '0006_delivery_prefs'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('report_job') as batch:
        batch.add_column(sa.Column('request_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch.add_column(sa.Column('data_version', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True))
        batch.create_index('ix_report_job_request_key', ['request_key'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('report_job') as batch:
        batch.drop_index('ix_report_job_request_key')
        batch.drop_column('data_version')
        batch.drop_column('request_key')
