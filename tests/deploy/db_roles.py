"""The database roles as the deploy has them (the DBA's steps in deploy/README.md): a fresh database
owned by a non-superuser owner role, the `rectify_app` group the owner may grant, and the app's own
login role, which owns nothing. `rectify migrate` (as the owner) then gives the app's role its grants."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg2

OWNER_PW, APP_PW = "owner-pw-for-the-test", "app-pw-for-the-test"


@contextmanager
def deploy_roles(pg_server_url: str) -> Iterator[dict[str, str]]:
    """{owner, app, db, owner_url, app_url} (libpq URLs); the database and both roles dropped after."""
    sfx = uuid.uuid4().hex[:8]
    owner, app, db = f"rectify_own_{sfx}", f"rectify_api_{sfx}", f"rectify_deploy_{sfx}"
    admin = psycopg2.connect(pg_server_url.replace("postgresql://", "postgres://"))
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f"CREATE ROLE {owner} LOGIN NOSUPERUSER PASSWORD '{OWNER_PW}'")
        cur.execute(f"CREATE ROLE {app} LOGIN NOSUPERUSER PASSWORD '{APP_PW}'")
        cur.execute("DO $$ BEGIN CREATE ROLE rectify_app NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$")
        cur.execute(f"GRANT rectify_app TO {owner} WITH ADMIN OPTION")
        cur.execute(f'CREATE DATABASE "{db}" OWNER {owner}')
    hostport = pg_server_url.split("@", 1)[1].rsplit("/", 1)[0]
    try:
        yield {
            "owner": owner,
            "app": app,
            "db": db,
            "owner_url": f"postgresql://{owner}:{OWNER_PW}@{hostport}/{db}",
            "app_url": f"postgresql://{app}:{APP_PW}@{hostport}/{db}",
        }
    finally:
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
            cur.execute(f"DROP ROLE IF EXISTS {app}")
            cur.execute(f"DROP ROLE IF EXISTS {owner}")
        admin.close()
