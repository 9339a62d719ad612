#!/usr/bin/env bash
# Enriches the skill embeddings with the skill GAT (crates/offline/gnn, crates/offline/bin/train_gnn.rs):
# exports kg_skills and kg_skill_relations, trains by link prediction within a time budget,
# registers the run in resonance.ml_models (model_type 'skill_gnn') and, only if it predicts
# held-out skill links better than the plain embeddings, loads kg_skills.gnn_embedding and
# activates it (sql/load_gnn_embeddings.sql). Prints the held-out AUCs.
# Usage: scripts/train_gnn.sh <port> <database> [time_budget_seconds]   (default 180)
#   env: RUN_ROOT (run directories, default ~/.cache/resonance/gnn), MODEL_DIR (where the
#   weights go, default $sharedir/resonance/models), RAYON_NUM_THREADS (default 1)
# Idempotent: skips when a skill_gnn run is already registered for the graph's current
# kg_version. Connects as the postgres user over the socket in /tmp, like scripts/cluster.sh.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
source "$here/scripts/pg_env.sh"
port="${1:?usage: train_gnn.sh <port> <database> [time_budget_seconds]}"
db="${2:?usage: train_gnn.sh <port> <database> [time_budget_seconds]}"
budget="${3:-180}"
run_root="${RUN_ROOT:-$HOME/.cache/resonance/gnn}"
model_dir="${MODEL_DIR:-$(pg_path sharedir)/resonance/models}"
bin="${CARGO_TARGET_DIR:-$here/target}/release/train_gnn"
# One thread: the machine is shared and the time budget, not the core count, bounds the run.
export RAYON_NUM_THREADS="${RAYON_NUM_THREADS:-1}"

log() { printf '[train_gnn] %s\n' "$*"; }
psql_() { psql -h /tmp -p "$port" -U postgres -d "$db" -X -q -v ON_ERROR_STOP=1 "$@"; }

kg_version="$(psql_ -At -c "SELECT version FROM resonance.kg_version")"
existing="$(psql_ -At -c "SELECT name || '@' || version || CASE WHEN is_active THEN ' (active)' ELSE ' (inactive: it did not help)' END
  FROM resonance.ml_models WHERE model_type = 'skill_gnn' AND metrics->>'kg_version' = '$kg_version'
  ORDER BY is_active DESC, created_at DESC LIMIT 1")"
if [ -n "$existing" ]; then
  log "skill graph version $kg_version already has $existing: skipped"
  exit 0
fi

version="$(date -u +%Y%m%dT%H%M%SZ)-kg$kg_version"
run="$run_root/$version"
mkdir -p "$run"
# One snapshot: nodes, edges and the graph version they belong to.
(cd "$run" && psql_ <<'SQL'
BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;
\copy (SELECT id, name, embedding FROM resonance.kg_skills WHERE embedding IS NOT NULL ORDER BY id) TO 'nodes.tsv'
\copy (SELECT source_skill_id, target_skill_id, relation, weight FROM resonance.kg_skill_relations ORDER BY 1, 2, 3) TO 'edges.tsv'
\copy (SELECT version FROM resonance.kg_version) TO 'kg_version.txt'
COMMIT;
SQL
)
log "exported $(wc -l <"$run/nodes.tsv") skills, $(wc -l <"$run/edges.tsv") relation rows (kg_version $(cat "$run/kg_version.txt")) to $run"

(cd "$here" && PATH="$HOME/.cargo/bin:$PATH" cargo build --release -p resonance-offline --bin train_gnn -q)
log "training for at most $budget s on $RAYON_NUM_THREADS thread(s); log in $run/train.log"
"$bin" --nodes "$run/nodes.tsv" --edges "$run/edges.tsv" --out "$run" --time-budget "$budget" --version "$version" \
  >"$run/train.log" 2>&1 || { tail -20 "$run/train.log" >&2; exit 1; }
grep -E '^(auc_input|training_seconds|verdict)' "$run/train.log"

# The weights go where ml_models.artifact_path may point: a relative path inside model_dir.
install -D -m 0644 "$run/skill_gat.safetensors" "$model_dir/skill-gat/$version/skill_gat.safetensors"
psql_ -v run_dir="$run" -v artifact_path="skill-gat/$version" -v kg_version="$(cat "$run/kg_version.txt")" \
  -f "$here/sql/load_gnn_embeddings.sql"
