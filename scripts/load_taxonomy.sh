#!/usr/bin/env bash
# Loads the taxonomy TSVs written by build_taxonomy into a database where the resonance
# extension is installed, with the embeddings the build computed; names the files carry no
# embedding for are embedded with resonance_encode.
# Usage: scripts/load_taxonomy.sh <port> <database> [tsv_dir] [embed_batch]
#   tsv_dir     default ~/.cache/resonance/taxonomy_tables (build_taxonomy --out)
#   embed_batch names per resonance_encode call, default 512
# Connects as the postgres user over the socket in /tmp, like scripts/cluster.sh.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
port="${1:?usage: load_taxonomy.sh <port> <database> [tsv_dir] [embed_batch]}"
db="${2:?usage: load_taxonomy.sh <port> <database> [tsv_dir] [embed_batch]}"
dir="${3:-$HOME/.cache/resonance/taxonomy_tables}"
batch="${4:-512}"
for f in kg_skills kg_titles kg_skill_relations kg_title_skills kg_title_labels; do
  [ -f "$dir/$f.tsv" ] || { echo "[load_taxonomy] $dir/$f.tsv missing: run build_taxonomy --out $dir" >&2; exit 1; }
done
start=$(date +%s)
# \copy reads relative to psql's working directory, so run psql from the TSV directory.
(cd "$dir" && psql -h /tmp -p "$port" -U postgres -d "$db" -X -q -v embed_batch="$batch" -f "$here/../sql/load_taxonomy.sql")
echo "[load_taxonomy] loaded $dir into $db in $(( $(date +%s) - start )) s"
