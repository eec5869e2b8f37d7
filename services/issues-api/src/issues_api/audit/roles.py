"""PostgreSQL: the app's login role may append to the audit trail, never change it.

With RECTIFY_MIGRATE_DATABASE_URL the tables' owner runs migrations and the app connects with
DATABASE_URL as another role. `rectify migrate` then makes that role a member of `rectify_app`
(0016_rls: the privileges of the app; UPDATE, DELETE and TRUNCATE on the audit tables revoked by
20261206_03), lets it see every row outside a request's tenant (row-level security applies to
it otherwise, as to any non-owner), and revokes the audit privileges from it directly too — on
the partitions of `audit_record` as well (new ones: `rectify_shared.partitions.revoke_changes`).
"""

import asyncio

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from rectify_shared.partitions import revoke_changes

APP_ROLE = "rectify_app"
LOGIN_POLICY = "rectify_login_role_all"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


async def _restrict(owner_url: str, app_user: str) -> list[str]:
    notes: list[str] = []
    engine = create_async_engine(owner_url, isolation_level="AUTOCOMMIT")
    user = _quote(app_user)
    try:
        async with engine.connect() as conn:
            owner = (await conn.execute(text("SELECT current_user"))).scalar_one()
            if owner == app_user:
                return [f"DATABASE_URL connects as the tables' owner {owner!r}: use another role for the app"]
            superuser = (
                await conn.execute(text("SELECT rolsuper FROM pg_roles WHERE rolname = :r"), {"r": app_user})
            ).scalar_one_or_none()
            if superuser is None:
                return [f"role {app_user!r} of DATABASE_URL does not exist: create it (LOGIN, no superuser) first"]
            if superuser:
                notes.append(f"role {app_user!r} is a superuser: it can still drop the audit trigger")
            await conn.execute(text(f"GRANT {APP_ROLE} TO {user}"))
            tables = (
                (
                    await conn.execute(
                        text(
                            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                            "WHERE n.nspname = 'public' AND c.relrowsecurity AND c.relkind IN ('r', 'p')"
                        )
                    )
                )
                .scalars()
                .all()
            )
            for table in tables:
                exists = (
                    await conn.execute(
                        text("SELECT 1 FROM pg_policies WHERE tablename = :t AND policyname = :p"),
                        {"t": table, "p": LOGIN_POLICY},
                    )
                ).first()
                if exists is None:
                    await conn.execute(
                        text(
                            f"CREATE POLICY {LOGIN_POLICY} ON {_quote(table)} TO {user} USING (true) WITH CHECK (true)"
                        )
                    )
            await conn.execute(text(f"REVOKE UPDATE, DELETE, TRUNCATE ON audit_record FROM {user}"))
            await conn.execute(text(f"REVOKE DELETE, TRUNCATE ON audit_chain FROM {user}"))
            # partitions created before this ran may carry default privileges granted to the role
            partitions = await conn.execute(
                text(
                    "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                    " WHERE i.inhparent = to_regclass('audit_record')"
                )
            )
            for (partition,) in partitions.all():
                await revoke_changes(conn, partition)
            notes.append(f"role {app_user!r}: member of {APP_ROLE}; no UPDATE/DELETE/TRUNCATE on the audit trail")
    finally:
        await engine.dispose()
    return notes


def restrict_app_user(owner_url: str, app_url: str) -> None:
    if not owner_url.startswith("postgresql") or not app_url.startswith("postgresql"):
        return
    app_user = make_url(app_url).username or ""
    for note in asyncio.run(_restrict(owner_url, app_user)):
        print(note)
