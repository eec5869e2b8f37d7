"""pollution_type: the pollution types as data (was the PollutionType enum in code)

Cases have always stored their types as a JSON list of codes (never a database enum type, on
PostgreSQL or SQLite), so existing rows stay valid: the eight codes the enum had are seeded
under the same codes, followed by the types cities report beyond them (扬尘, 油烟, …).

Revision ID: 20261208_11_pollution_types
Revises: 20261207_41_import_job
Create Date: 2026-12-08
"""
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '20261208_11_pollution_types'
down_revision: str | None = '20261207_41_import_job'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')

#: code, name, aliases — a copy made at this revision (the list lives in the table from now on)
SEED: tuple[tuple[str, str, list[str]], ...] = (
    ('air', '大气', ['大气污染', '气', '废气']),
    ('water', '水', ['水污染', '废水']),
    ('soil', '土壤', ['土壤污染']),
    ('noise', '噪声', ['噪音', '噪声污染']),
    ('ecology', '生态', ['生态破坏']),
    ('solid_waste', '固废', ['固体废物', '固废污染']),
    ('radiation', '辐射', ['电磁辐射', '辐射污染']),
    ('other', '其他', ['其它']),
    ('dust', '扬尘', ['扬尘污染']),
    ('cooking_fumes', '油烟', ['餐饮油烟', '油烟污染']),
    ('odor', '恶臭', ['异味', '臭气']),
    ('hazardous_waste', '危险废物', ['危废']),
    ('marine', '海洋', ['海洋污染']),
)


def upgrade() -> None:
    table = op.create_table(
        'pollution_type',
        sa.Column('code', sa.String(length=40), nullable=False),
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('aliases', _JSON, nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('created_by', sa.String(length=100), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('code'),
        sa.UniqueConstraint('name'),
    )
    now = datetime.now(UTC)
    op.bulk_insert(
        table,
        [
            {'code': c, 'name': n, 'aliases': a, 'position': i, 'created_by': 'system', 'created_at': now}
            for i, (c, n, a) in enumerate(SEED, 1)
        ],
    )


def downgrade() -> None:
    op.drop_table('pollution_type')
