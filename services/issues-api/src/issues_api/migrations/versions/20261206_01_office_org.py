"""office_org: a round's 督察整改办, and org contacts an office can maintain

* `inspection_round.office_org_id` (FK org.id): the office that issues the round's letters and
  signs its documents. Every existing round gets an office org (kind `office`, named
  "<org name>督察整改办") under its `org_id`, created here when that org has none yet.
* `org.mobile` (where SMS goes; `contact_phone` stays the landline printed on documents),
  `org.sort_order` (children list by it, then by name) and `org.adcode` (行政区划代码).

Revision ID: 20261206_01_office_org
Revises: 0020_month_partitions
Create Date: 2026-12-06
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '20261206_01_office_org'
down_revision: str | None = '0020_month_partitions'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('org', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mobile', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('sort_order', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('adcode', sa.String(length=12), nullable=True))
    with op.batch_alter_table('inspection_round', schema=None) as batch_op:
        batch_op.add_column(sa.Column('office_org_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_inspection_round_office_org_id', ['office_org_id'], unique=False)
        batch_op.create_foreign_key('fk_inspection_round_office_org_id', 'org', ['office_org_id'], ['id'])

    bind = op.get_bind()
    rounds = bind.execute(sa.text("SELECT DISTINCT org_id FROM inspection_round")).scalars().all()
    for org_id in rounds:
        office = bind.execute(
            sa.text("SELECT id FROM org WHERE parent_id = :p AND kind = 'office' ORDER BY id LIMIT 1"), {"p": org_id}
        ).scalar()
        if office is None:
            parent = bind.execute(sa.text("SELECT name, path, depth FROM org WHERE id = :p"), {"p": org_id}).one()
            now = sa.func.now() if bind.dialect.name == "postgresql" else sa.text("CURRENT_TIMESTAMP")
            bind.execute(
                sa.insert(sa.table('org', sa.column('name'), sa.column('kind'), sa.column('parent_id'),
                                   sa.column('path'), sa.column('depth'), sa.column('sort_order'),
                                   sa.column('created_at'), sa.column('updated_at'))).values(
                    name=f"{parent.name}督察整改办", kind='office', parent_id=org_id,
                    path=f"/pending-office-{org_id}/", depth=parent.depth + 1, sort_order=0,
                    created_at=now, updated_at=now,
                )
            )
            office = bind.execute(
                sa.text("SELECT id FROM org WHERE path = :t"), {"t": f"/pending-office-{org_id}/"}
            ).scalar_one()
            bind.execute(sa.text("UPDATE org SET path = :path WHERE id = :id"),
                         {"path": f"{parent.path}{office}/", "id": office})
        bind.execute(sa.text("UPDATE inspection_round SET office_org_id = :o WHERE org_id = :p"),
                     {"o": office, "p": org_id})


def downgrade() -> None:
    with op.batch_alter_table('inspection_round', schema=None) as batch_op:
        batch_op.drop_constraint('fk_inspection_round_office_org_id', type_='foreignkey')
        batch_op.drop_index('ix_inspection_round_office_org_id')
        batch_op.drop_column('office_org_id')
    with op.batch_alter_table('org', schema=None) as batch_op:
        batch_op.drop_column('adcode')
        batch_op.drop_column('sort_order')
        batch_op.drop_column('mobile')
