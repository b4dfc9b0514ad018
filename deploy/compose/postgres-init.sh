#!/bin/sh
# PostgreSQL's first start (an empty data volume): a role and a database for the app, and a role with
# its two databases for Temporal, so neither uses the superuser. Passwords come from the environment
# (.env) and reach SQL as psql variables, quoted by psql.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v fulltime_password="$FULLTIME_DB_PASSWORD" -v temporal_password="$TEMPORAL_DB_PASSWORD" <<'SQL'
CREATE ROLE fulltime LOGIN PASSWORD :'fulltime_password';
CREATE DATABASE fulltime OWNER fulltime;
CREATE ROLE temporal LOGIN PASSWORD :'temporal_password';
CREATE DATABASE temporal OWNER temporal;
CREATE DATABASE temporal_visibility OWNER temporal;
SQL
