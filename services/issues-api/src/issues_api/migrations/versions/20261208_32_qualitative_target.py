"""Qualitative indicators: a target in words (indicator.target_text, e.g. 保持达标) and the office's
judgement per period (indicator_value.met: 达标 / 未达标).

Revision ID: 20261208_32_qualitative_target
Revises: 20261208_31_escalation_letter
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261208_32_qualitative_target"
down_revision: str | None = "20261208_31_escalation_letter"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("indicator", sa.Column("target_text", sa.String(length=200), nullable=True))
    op.add_column("indicator_value", sa.Column("met", sa.Boolean(), nullable=True))


def downgrade() -> None:
    op.drop_column("indicator_value", "met")
    op.drop_column("indicator", "target_text")
