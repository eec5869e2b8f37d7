"""row-level security on the ledger (PostgreSQL only): a backstop under the application's scope filters

The application filters every query by the caller's org subtree. These policies repeat that
rule inside PostgreSQL for a non-owner role (`rectify_app`): a transaction sees only the rows
of the subtree named by `SET LOCAL rectify.org_path = '/1/5/'`, and nothing when it is unset
(fail closed). The table owner (migrations, workers, the CLI) is not subject to them.

* issue: its lead org's path, or any of its orgs (issue_org) in the subtree — the same rule as
  `issues.repository.visible`, widened to the subtree (unit operators' exact scope stays an
  application rule);
* measure and progress_report: through their issue (the subquery is itself under issue's policy).

Not compared by the models-equal-migrations check: policies are not in the SQLAlchemy metadata
(see POSTGRES_ONLY_REVISIONS in tests/test_schema_health.py).

Revision ID: 0016_rls
Revises: 0015_indicator_links
Create Date: 2026-12-09
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0016_rls'
down_revision: str | None = '0015_indicator_links'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "rectify_app"
POLICY = "rectify_tenant_subtree"

#: table -> the policy's condition on its rows
POLICIES = {
    "issue": (
        "rectify_tenant_holds(org_path) OR EXISTS (SELECT 1 FROM issue_org io"
        " WHERE io.issue_id = issue.id AND rectify_tenant_holds(io.org_path))"
    ),
    "measure": "EXISTS (SELECT 1 FROM issue i WHERE i.id = measure.issue_id)",
    "progress_report": "EXISTS (SELECT 1 FROM issue i WHERE i.id = progress_report.issue_id)",
}

# An inlinable SQL function (one SELECT, no FROM, STABLE): the subtree test stays a range on
# the path index. An empty or malformed setting holds nothing.
TENANT_FUNCTION = """
CREATE OR REPLACE FUNCTION rectify_tenant_holds(path text) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT left(coalesce(current_setting('rectify.org_path', true), ''), 1) = '/'
     AND right(current_setting('rectify.org_path', true), 1) = '/'
     AND path >= current_setting('rectify.org_path', true)
     AND path < left(current_setting('rectify.org_path', true), -1) || '0'
$$
"""

CREATE_ROLE = f"""
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
    CREATE ROLE {APP_ROLE} NOLOGIN;
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  NULL;  -- another database's migration created it at the same moment
END
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(CREATE_ROLE)
    op.execute(f"GRANT USAGE ON SCHEMA public TO {APP_ROLE}")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {APP_ROLE}")
    op.execute(f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}")
    # tables and sequences of later migrations (run by the same owner) are granted too
    op.execute(
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {APP_ROLE}"
    )
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {APP_ROLE}")
    op.execute(TENANT_FUNCTION)
    for table, condition in POLICIES.items():
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY {POLICY} ON {table} USING ({condition})")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in reversed(POLICIES):
        op.execute(f"DROP POLICY IF EXISTS {POLICY} ON {table}")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    op.execute("DROP FUNCTION IF EXISTS rectify_tenant_holds(text)")
    op.execute(
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM {APP_ROLE}"
    )
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE USAGE, SELECT, UPDATE ON SEQUENCES FROM {APP_ROLE}")
    op.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {APP_ROLE}")
    op.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {APP_ROLE}")
    op.execute(f"REVOKE USAGE ON SCHEMA public FROM {APP_ROLE}")
    # the role is cluster-wide and other databases may use it: it stays
