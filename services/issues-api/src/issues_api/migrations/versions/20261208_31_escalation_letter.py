"""escalation.letter: what a letter carries beyond its reason — a 约谈's time, place, participants
and agenda; a 督办's requirements — printed in the escalation notice.

Revision ID: 20261208_31_escalation_letter
Revises: 20261208_41_im_channels
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "20261208_31_escalation_letter"
down_revision: str | None = "20261208_41_im_channels"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.add_column("escalation", sa.Column("letter", _JSON, nullable=True))


def downgrade() -> None:
    op.drop_column("escalation", "letter")
