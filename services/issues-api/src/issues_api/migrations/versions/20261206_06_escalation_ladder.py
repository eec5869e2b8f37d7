"""escalation_ladder: letters from the office, a ladder that climbs, scans that can be rehearsed and undone

* `escalation.issued_on` (China date it was issued: the rung above counts working days from it),
  `escalation.issuer_org_id` (the round's office that issues the letter) and `escalation.scan_id`
  (the scan request that created it, so a whole scan can be withdrawn at once).
* `scan_request.dry_run`, `scan_request.report` (what a dry run would create, climb and resolve),
  and the withdrawal of a scan (`withdraw_state`, `withdrawn_by`, `withdrawn_at`, `withdrawn_reason`,
  `withdrawn_count`).
* Stored escalation policies are brought to the climbing ladder: a rule addressed to `parent_org`
  is addressed to the responsible unit (the org above a unit is usually the issuer itself), and
  a rule that skips rungs says so (`jump: true`), so every stored policy still validates.

Revision ID: 20261206_06_escalation_ladder
Revises: 20261206_05_ledger_history
Create Date: 2026-12-06
"""
import json
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '20261206_06_escalation_ladder'
down_revision: str | None = '20261206_05_ledger_history'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
_RANK = {"warning": 1, "notice": 2, "supervision": 3, "summons": 4}


def _climbing(policy: dict) -> dict:
    for rule in policy.get("rules", []):
        if rule.get("target") == "parent_org":
            rule["target"] = "responsible_org"
        trigger = rule.get("trigger") or {}
        below = rule.get("after_level") or (trigger.get("of_level") if trigger.get("kind") == "repeated" else None)
        rank = _RANK.get(rule.get("level"), 1)
        if (below is None and rank > 2) or (below is not None and _RANK.get(below, 0) != rank - 1):
            rule["jump"] = True
    return policy


def upgrade() -> None:
    with op.batch_alter_table('escalation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('issued_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('issuer_org_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('scan_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_escalation_scan_id', ['scan_id'], unique=False)
        batch_op.create_foreign_key('fk_escalation_issuer_org_id', 'org', ['issuer_org_id'], ['id'])
    with op.batch_alter_table('scan_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dry_run', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('report', _JSON, nullable=True))
        batch_op.add_column(sa.Column('withdraw_state', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_by', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_reason', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_count', sa.Integer(), nullable=True))
    bind = op.get_bind()
    # letters the scan issued by itself were issued on their scan day
    bind.execute(sa.text("UPDATE escalation SET issued_on = as_of WHERE issued_at IS NOT NULL"))
    bind.execute(sa.text(
        "UPDATE escalation SET issuer_org_id = (SELECT office_org_id FROM inspection_round r"
        " WHERE r.id = escalation.round_id)"
    ))
    rows = bind.execute(sa.text("SELECT round_id, policy FROM escalation_policy")).all()
    for round_id, policy in rows:
        value = json.loads(policy) if isinstance(policy, str) else dict(policy)
        bind.execute(
            sa.text("UPDATE escalation_policy SET policy = :p WHERE round_id = :r").bindparams(
                sa.bindparam("p", type_=_JSON)
            ),
            {"p": _climbing(value), "r": round_id},
        )


def downgrade() -> None:
    with op.batch_alter_table('scan_request', schema=None) as batch_op:
        for column in ('withdrawn_count', 'withdrawn_reason', 'withdrawn_at', 'withdrawn_by', 'withdraw_state',
                       'report', 'dry_run'):
            batch_op.drop_column(column)
    with op.batch_alter_table('escalation', schema=None) as batch_op:
        batch_op.drop_constraint('fk_escalation_issuer_org_id', type_='foreignkey')
        batch_op.drop_index('ix_escalation_scan_id')
        batch_op.drop_column('scan_id')
        batch_op.drop_column('issuer_org_id')
        batch_op.drop_column('issued_on')
