#!/usr/bin/env bash
# bench/routing.py compares against pgRouting in the local PostgreSQL: install it if missing.
set -euo pipefail
if psql -h 127.0.0.1 -U postgres -d test -Atc "select 1 from pg_available_extensions where name='pgrouting'" 2>/dev/null | grep -q 1; then
  exit 0
fi
major="$(psql -h 127.0.0.1 -U postgres -d test -Atc 'show server_version_num' | cut -c1-2)"
echo "installing postgresql-${major}-pgrouting for the routing benchmark..." >&2
if [ "$(id -u)" -eq 0 ]; then
  (apt-get install -y -q "postgresql-${major}-pgrouting" || (apt-get update -q && apt-get install -y -q "postgresql-${major}-pgrouting")) >&2
else
  echo "ERROR: pgRouting is missing; run: sudo apt-get install postgresql-${major}-pgrouting" >&2
  exit 1
fi
