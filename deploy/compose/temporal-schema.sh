#!/bin/sh
# Temporal's schemas in its own databases (created by postgres-init.sh), as the temporal role: the
# initial version, then every versioned step the admin-tools image carries. Running it again on a
# current schema changes nothing, so it runs on every `docker compose up`.
set -eu
sql() { temporal-sql-tool --plugin postgres12 --ep postgres -p 5432 -u temporal --db "$@"; }
schemas=/etc/temporal/schema/postgresql/v12
for db in temporal temporal_visibility; do
  dir=$([ "$db" = temporal ] && echo temporal || echo visibility)
  sql "$db" setup-schema -v 0.0
  sql "$db" update-schema -d "$schemas/$dir/versioned"
done
echo "temporal schemas are up to date"
