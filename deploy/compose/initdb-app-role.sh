#!/bin/sh
# PostgreSQL's first start (docker-entrypoint-initdb.d): the app's own login role beside the tables'
# owner (POSTGRES_USER, which `rectify migrate` uses). `rectify migrate` makes rectify_api a member of
# rectify_app, which has no UPDATE/DELETE on the audit trail (docs/security.md "Separate roles").
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
     -v app_password="$RECTIFY_DB_APP_PASSWORD" <<'SQL'
CREATE ROLE rectify_app NOLOGIN;
CREATE ROLE rectify_api LOGIN PASSWORD :'app_password';
SQL
