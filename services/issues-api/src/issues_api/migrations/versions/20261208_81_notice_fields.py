"""The fields real documents carry (issue 24):

* `closure`: a 公示's legal basis (法律依据), issuing org (落款单位, any org in the office's scope),
  labelled contact lines, attachment title, closing phrase (特此公示) and how its period is shown
  (working days, calendar days or not at all); the medium is now optional (it already was nullable).
* `issue.display_no`: the task's own number as the office writes it ("序号十", "十", "3-1"),
  beside the integer `seq`.
* `inspection_round.document_settings`: the round's status words and 方面 numbering style.

Revision ID: 20261208_81_notice_fields
Revises: 20261208_01_deadline_wording
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "20261208_81_notice_fields"
down_revision: str | None = "20261208_01_deadline_wording"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    # batch mode: SQLite cannot add a foreign key in place (it copies the table; PostgreSQL alters it)
    with op.batch_alter_table("closure") as batch:
        batch.add_column(sa.Column("publicity_legal_basis", sa.String(300), nullable=True))
        batch.add_column(sa.Column("publicity_issuer_org_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("publicity_contacts", _JSON, nullable=True))
        batch.add_column(sa.Column("publicity_attachment_title", sa.String(100), nullable=True))
        batch.add_column(sa.Column("publicity_closing", sa.String(50), nullable=True))
        batch.add_column(sa.Column("publicity_days_shown", sa.String(10), nullable=True))
        batch.create_foreign_key("fk_closure_publicity_issuer_org", "org", ["publicity_issuer_org_id"], ["id"])
    op.add_column("issue", sa.Column("display_no", sa.String(20), nullable=True))
    op.add_column("inspection_round", sa.Column("document_settings", _JSON, nullable=True))


def downgrade() -> None:
    op.drop_column("inspection_round", "document_settings")
    op.drop_column("issue", "display_no")
    with op.batch_alter_table("closure") as batch:
        batch.drop_constraint("fk_closure_publicity_issuer_org", type_="foreignkey")
        for name in (
            "publicity_days_shown",
            "publicity_closing",
            "publicity_attachment_title",
            "publicity_contacts",
            "publicity_issuer_org_id",
            "publicity_legal_basis",
        ):
            batch.drop_column(name)
