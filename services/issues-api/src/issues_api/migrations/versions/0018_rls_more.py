"""row-level security on more scoped tables (PostgreSQL only), after 0016_rls's pattern

The same backstop as 0016_rls (the `rectify_tenant_holds` function, the `rectify_app` role,
fail closed when `rectify.org_path` is unset), on the rest of the org-scoped ledger. Each
condition repeats the application's own scope rule, widened to the subtree:

* petition_case: its locality's path, or its responsible org's (`petitions.repository.visible`);
* closure: through its issue (the subquery is itself under issue's policy), as `closures.repository`;
* attachment: the uploading org's path, or evidence linked to an issue one of whose orgs is in the
  subtree (`attachments.repository.visible`);
* escalation: the addressed org's path;
* indicator and indicator_value: their org's path.

Not compared by the models-equal-migrations check (POSTGRES_ONLY_REVISIONS in tests/test_schema_health.py).

Revision ID: 0018_rls_more
Revises: 0017_closure_policy
Create Date: 2026-12-10
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0018_rls_more'
down_revision: str | None = '0017_closure_policy'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

POLICY = "rectify_tenant_subtree"

#: table -> the policy's condition on its rows
POLICIES = {
    "petition_case": (
        "rectify_tenant_holds(locality_path)"
        " OR (responsible_path IS NOT NULL AND rectify_tenant_holds(responsible_path))"
    ),
    "closure": "EXISTS (SELECT 1 FROM issue i WHERE i.id = closure.issue_id)",
    "attachment": (
        "rectify_tenant_holds(org_path) OR EXISTS (SELECT 1 FROM attachment_link l"
        " JOIN issue_org io ON io.issue_id = l.issue_id"
        " WHERE l.attachment_id = attachment.id AND rectify_tenant_holds(io.org_path))"
    ),
    "escalation": "rectify_tenant_holds(org_path)",
    "indicator": "rectify_tenant_holds(org_path)",
    "indicator_value": "rectify_tenant_holds(org_path)",
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, condition in POLICIES.items():
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY {POLICY} ON {table} USING ({condition})")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in reversed(POLICIES):
        op.execute(f"DROP POLICY IF EXISTS {POLICY} ON {table}")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
