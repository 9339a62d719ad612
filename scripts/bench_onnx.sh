#!/usr/bin/env bash
# Our encoder against ONNX Runtime, in one run on this machine (issue 11 item 5): throughput
# of batches of 32 texts of 256 tokens and latency of one 64-token text, both with THREADS
# threads, all-MiniLM-L6-v2 fp32 on both sides, timings including tokenisation and pooling.
#
#  - ONNX Runtime runs in a Python venv this script makes under $WORK (pinned versions
#    below) over an ONNX graph written from the same model.safetensors our encoder loads
#    (scripts/bench_onnx.py says why it is not torch.onnx.export) and optimised by
#    onnxruntime.transformers.optimizer; intra_op_num_threads = THREADS; twice per round,
#    with its default settings and with spinning off (faster when the cores are shared),
#    and the better of the two is what candle is set against.
#  - candle is crates/offline/bin/encode_bench.rs with RAYON_NUM_THREADS = THREADS, which it
#    applies as resonance.threads is applied in a backend (crates/engine/threads.rs), with bf16
#    products where the CPU has AVX-512 BF16 (resonance.bf16_matmul's default); "candle f32"
#    is the same binary with RESONANCE_BF16_MATMUL=off (the f32 products).
#  - First the embeddings are compared (cosine >= 0.999 on every text, else the run stops):
#    the measured texts and prose of mixed lengths in one padded batch.
#  - Then ROUNDS rounds, each one process per side, the side going first alternating, so
#    that other work on the shared cores falls on both alike; the table gives candle / ORT.
#
# Usage: scripts/bench_onnx.sh   env: THREADS (2), ROUNDS (3), WORK (/tmp/onnx-bench),
#        MODELS (the installed models directory, $(pg_config --sharedir)/resonance/models),
#        BASELINE (optional: an encode_bench binary of an earlier build, run as a third side in
#        the same rounds with RAYON_NUM_THREADS = CANDLE_NUM_THREADS = THREADS, as builds before
#        crates/engine/threads.rs set them; it must print the same measures)
# Prints numbers; it is not a test. Needs python3 with venv and PyPI.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
source "$here/scripts/pg_env.sh"
THREADS="${THREADS:-2}"; ROUNDS="${ROUNDS:-3}"; WORK="${WORK:-/tmp/onnx-bench}"
MODELS="${MODELS:-$(pg_path sharedir)/resonance/models}"
model_dir="$MODELS/all-minilm-l6-v2"
export PATH="$HOME/.cargo/bin:$PATH"
# Pinned: the ONNX Runtime measured, and what the export and the tokenizer need.
PINNED="onnxruntime==1.32.0 onnx==1.23.2 numpy==2.3.5 tokenizers==0.22.1 sympy==1.14.0"
# The graph those versions write from the pinned weights (the export is deterministic): a
# different hash means another graph is being measured, which the run says.
ONNX_SHA256=59c4a855d3a79c91d22f52c282915b106331b483a2844e78d4dce217c5dbfafc
log() { printf '[onnx] %s\n' "$*"; }
mkdir -p "$WORK"

# The model files must be the pinned ones (models/manifest.tsv), on both sides.
for file in model.safetensors tokenizer.json config.json; do
  want=$(awk -F'\t' -v f="$file" '$1 == "all-minilm-l6-v2" && $2 == f { print $3 }' "$here/models/manifest.tsv")
  echo "$want  $model_dir/$file" | sha256sum -c --quiet - || { log "$model_dir/$file is not the pinned file"; exit 1; }
done

venv="$WORK/venv-$(echo "$PINNED" | sha256sum | cut -c1-8)"
if [ ! -x "$venv/bin/python" ]; then
  log "creating $venv ($PINNED)"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q $PINNED
fi
py() { "$venv/bin/python" "$here/scripts/bench_onnx.py" "$@"; }
onnx="$WORK/all-minilm-l6-v2.onnx"
py export --model-dir "$model_dir" --out "$onnx" 2>&1 | grep -v '^Model producer not matched'
got=$(sha256sum "$onnx" | cut -d' ' -f1)
if [ "$got" = "$ONNX_SHA256" ]; then log "onnx graph is the pinned one (sha256 ${got:0:16}...)"
else log "NOTE: onnx graph sha256 $got, not the pinned $ONNX_SHA256: another graph than the README's"; fi

(cd "$here" && cargo build --release -q -p resonance-offline --bin encode_bench)
bench="${CARGO_TARGET_DIR:-$here/target}/release/encode_bench"
candle() { RAYON_NUM_THREADS=$THREADS "$bench" "$MODELS" "$@"; }
ort() { py "$1" --model "$onnx" --tokenizer "$model_dir/tokenizer.json" --threads "$THREADS" "${@:2}"; }

candle --dump "$WORK/candle_embeddings.jsonl"
ort compare --candle "$WORK/candle_embeddings.jsonl"

log "load average before: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores, shared)"
rounds="$WORK/rounds"; rm -rf "$rounds"; mkdir -p "$rounds"
for r in $(seq "$ROUNDS"); do
  sides="ort ort_nospin candle candle_f32${BASELINE:+ baseline}"
  [ $((r % 2)) = 0 ] && sides="${BASELINE:+baseline }candle_f32 candle ort_nospin ort"
  for side in $sides; do
    case "$side" in
      ort) ort bench --latencies "$rounds/ort_$r.lat" > "$rounds/ort_$r.txt" ;;
      ort_nospin) ort bench --no-spinning --latencies "$rounds/ort_nospin_$r.lat" > "$rounds/ort_nospin_$r.txt" ;;
      candle) candle --latencies "$rounds/candle_$r.lat" > "$rounds/candle_$r.txt" ;;
      candle_f32) RESONANCE_BF16_MATMUL=off candle --latencies "$rounds/candle_f32_$r.lat" > "$rounds/candle_f32_$r.txt" ;;
      baseline) RAYON_NUM_THREADS=$THREADS CANDLE_NUM_THREADS=$THREADS "$BASELINE" "$MODELS" \
                  --latencies "$rounds/baseline_$r.lat" > "$rounds/baseline_$r.txt" ;;
    esac
    log "round $r $side: $(grep -ho '\(batch32_256tok_texts_per_s\|single_64tok_p50_ms\)=[0-9.]*' "$rounds/${side}_$r.txt" | tr '\n' ' ')"
  done
done
log "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
py summary --dir "$rounds" --rounds "$ROUNDS" --threads "$THREADS"
