"""`scan_request.attempts`: the scan requests keep their rows as the report jobs do
(rectify_shared.job_rows, issue 28): a claim bumps the attempts, which fence the outcome's write.

Revision ID: 20261209_07_scan_attempts
Revises: 20261209_01_calendar_version
Create Date: 2026-12-09
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261209_07_scan_attempts"
down_revision: str | None = "20261209_01_calendar_version"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("scan_request", sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("scan_request") as batch:
        batch.drop_column("attempts")
