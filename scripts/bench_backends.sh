#!/usr/bin/env bash
# What a connection costs, with and without shared_preload_libraries, in one run (issue 11):
# scripts/bench_backends.py against the demo database (scripts/demo.sh loads the full
# taxonomy into it): PSS per backend at 1, 8, 32 and 64 connections that each ran
# resonance_encode + resonance_match, first-match latency in new backends, the first match
# of a server with no index file (the build), and a backend's growth over CALLS matches.
# Restarts the cluster (max_connections is raised to 100 for 64 clients) and leaves it with
# shared_preload_libraries = 'resonance'. Prints numbers; it is not a test.
# Usage: scripts/bench_backends.sh   env: PORT (55432), DB (resonance_demo),
#        CONNECTIONS (1,8,32,64), CALLS (1000), ONLY_PRELOAD (unset: both; "" or "resonance": that one)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
source "$here/scripts/pg_env.sh"
port="${PORT:-55432}"; db="${DB:-resonance_demo}"
data="/tmp/resonance-pg-$port"
as_postgres() { if [ "$(id -un)" = postgres ]; then "$@"; else sudo -u postgres "$@"; fi; }
sql() { psql -h /tmp -p "$port" -U postgres -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"; }
restart() { as_postgres "$(pg_path bindir)/pg_ctl" -D "$data" -m fast -w restart -l "$data/server.log" >/dev/null; }
skills=$(sql -c "SELECT count(*) FROM resonance.kg_skills")
echo "[backends] $db on port $port: $skills skills, $(sql -c "SELECT count(*) FROM resonance.jobs") jobs"
sql -c "ALTER SYSTEM SET max_connections = 100" >/dev/null
preloads=("" resonance)
if [ -n "${ONLY_PRELOAD+set}" ]; then preloads=("$ONLY_PRELOAD"); fi
for preload in "${preloads[@]}"; do
  if [ -n "$preload" ]; then set_preload="SET shared_preload_libraries = '$preload'"; else set_preload="RESET shared_preload_libraries"; fi
  sql -c "ALTER SYSTEM $set_preload" >/dev/null
  restart
  echo "== shared_preload_libraries = '$preload'"
  python3 "$here/scripts/bench_backends.py" --port "$port" --dbname "$db" \
    --connections "${CONNECTIONS:-1,8,32,64}" --calls "${CALLS:-1000}" --index-dir "$data/resonance"
done
