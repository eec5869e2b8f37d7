"""template_owner_org: message templates belong to an org (issue 19, finding #9)

`message_template.org_path` is the owning org's path; the notifier uses, for a message to an
org, the template of its nearest ancestor (the longest owning path that prefixes the org's).
Rows written before are kept with org_path '/' (the old system-wide wording, still the last
resort); an office now writes only its own subtree's rows. The primary key becomes
(event_type, channel, org_path).

Revision ID: 20261206_04_template_owner_org
Revises: 20261206_03_auth_hardening
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261206_04_template_owner_org"
down_revision: str | None = "20261206_03_auth_hardening"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PATH = sa.String(length=512).with_variant(sa.String(length=512, collation="C"), "postgresql")


COLUMNS = "event_type, channel, subject, body, updated_by, updated_at"


def _rebuild_sqlite(with_org: bool) -> None:
    """SQLite cannot change a primary key in place (and its old one has no name): copy the table."""
    import rectify_shared.models.types

    key = ["event_type", "channel", *(["org_path"] if with_org else [])]
    op.create_table(
        "message_template_new",
        sa.Column("event_type", sa.String(length=60), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        *([sa.Column("org_path", PATH, server_default="/", nullable=False)] if with_org else []),
        sa.Column("subject", sa.String(length=300), nullable=True),
        sa.Column("body", sa.String(), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", rectify_shared.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(*key),
    )
    where = "" if with_org else " WHERE org_path = '/'"
    op.execute(f"INSERT INTO message_template_new ({COLUMNS}) SELECT {COLUMNS} FROM message_template{where}")
    op.drop_table("message_template")
    op.rename_table("message_template_new", "message_template")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite(with_org=True)
        return
    op.add_column("message_template", sa.Column("org_path", PATH, server_default="/", nullable=False))
    op.drop_constraint("message_template_pkey", "message_template", type_="primary")
    op.create_primary_key("message_template_pkey", "message_template", ["event_type", "channel", "org_path"])


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite(with_org=False)
        return
    op.execute("DELETE FROM message_template WHERE org_path <> '/'")
    op.drop_constraint("message_template_pkey", "message_template", type_="primary")
    op.create_primary_key("message_template_pkey", "message_template", ["event_type", "channel"])
    op.drop_column("message_template", "org_path")
