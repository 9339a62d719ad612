#!/usr/bin/env bash
# Builds the skill taxonomy's tables (TSVs for scripts/load_taxonomy.sh) from the pinned
# sources, once: skipped when the directory already holds every table.
# Usage: scripts/build_taxonomy.sh [tables_dir]   (default ~/.cache/resonance/taxonomy_tables)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
source "$here/scripts/pg_env.sh"
tables="${1:-$HOME/.cache/resonance/taxonomy_tables}"
bash "$here/scripts/fetch_taxonomy.sh"
for f in kg_skills kg_titles kg_skill_relations kg_title_skills kg_title_labels; do
  [ -f "$tables/$f.tsv" ] || missing=1
done
# Tables from before 0.3.0 carry no embedding column: rebuilt.
columns() { head -1 "$1" 2>/dev/null | awk -F'\t' '{ print NF }'; }
[ "$(columns "$tables/kg_skills.tsv")" = 8 ] && [ "$(columns "$tables/kg_title_labels.tsv")" = 4 ] || missing=1
[ -n "${missing:-}" ] || { echo "[build_taxonomy] $tables is complete, skipped"; exit 0; }
compile_start=$SECONDS
(cd "$here" && PATH="$HOME/.cargo/bin:$PATH" cargo build --release -p resonance-offline --bin build_taxonomy -q)
echo "[build_taxonomy] program compiled in $((SECONDS - compile_start)) s"
# Held-out benchmark occupations stay out of the co-requirement statistics when the
# benchmark sits beside the checkout (../shared/eval); a user install has none to hide.
reserved="$here/../shared/eval/reserved.txt"; [ -f "$reserved" ] || reserved=none
"${CARGO_TARGET_DIR:-$here/target}/release/build_taxonomy" --data "$HOME/.cache/resonance/taxonomy" --reserved "$reserved" \
  --model "$(pg_path sharedir)/resonance/models/all-minilm-l6-v2" --out "$tables"
