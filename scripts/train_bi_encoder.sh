#!/usr/bin/env bash
# Trains the fine-tuned bi-encoder (a projection over the base model's embeddings,
# crates/offline/bin/train_bi_encoder.rs) on the prepared pairs and measures it on the dev benchmark
# against the base model. Writes <run_dir>/bi-projection/{projection.safetensors,metrics.json};
# copy that directory to models/resonance-bi-projection/ to ship it.
# Usage: scripts/train_bi_encoder.sh [run_dir]   env: STEPS, LR, EVAL_DIR, MODEL_DIR
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
source "$here/scripts/pg_env.sh"
run="${1:-/tmp/resonance-bi-run}"
EVAL_DIR="${EVAL_DIR:-$here/../shared/eval}"
MODEL_DIR="${MODEL_DIR:-$(pg_path sharedir)/resonance/models/all-minilm-l6-v2}"
export PATH="$HOME/.cargo/bin:$PATH"

bash "$here/scripts/prepare_pairs.sh" "$run"
(cd "$here" && cargo build --release -p resonance-offline --bin train_bi_encoder)
"${CARGO_TARGET_DIR:-$here/target}/release/train_bi_encoder" --run "$run" --out "$run/bi-projection" \
  --steps "${STEPS:-300}" --learning-rate "${LR:-3e-4}" --eval-dir "$EVAL_DIR" --model "$MODEL_DIR"
