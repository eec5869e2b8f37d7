"""delivery preferences, daily digests and SMS delivery receipts

Revision ID: 0006_delivery_prefs
Revises: 0005
Create Date: 2026-12-02
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate writes sqlmodel.sql.sqltypes.AutoString)
from alembic import op
from sqlalchemy.dialects import postgresql

import rectify_shared.models.types  # noqa: F401

revision: str = '0006_delivery_prefs'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('notification_preference',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('event_type', sa.String(length=60), nullable=False),
    sa.Column('level', sa.String(length=12), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('mode', sa.String(length=10), nullable=False),
    sa.Column('updated_at', rectify_shared.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ),
    sa.PrimaryKeyConstraint('user_id', 'event_type', 'level', 'channel')
    )
    op.create_table('delivery_receipt',
    sa.Column('id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('created_at', rectify_shared.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('provider', sa.String(length=10), nullable=False),
    sa.Column('provider_message_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('idempotency_key', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('error_code', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('error_message', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('reported_at', rectify_shared.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('raw', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.PrimaryKeyConstraint('id', 'created_at')
    )
    with op.batch_alter_table('delivery_receipt', schema=None) as batch_op:
        batch_op.create_index('ix_delivery_receipt_key', ['idempotency_key'], unique=False)
        batch_op.create_index('ix_delivery_receipt_message', ['provider_message_id'], unique=False)

    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.add_column(sa.Column('digest_id', sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.drop_column('digest_id')

    with op.batch_alter_table('delivery_receipt', schema=None) as batch_op:
        batch_op.drop_index('ix_delivery_receipt_message')
        batch_op.drop_index('ix_delivery_receipt_key')

    op.drop_table('delivery_receipt')
    op.drop_table('notification_preference')
