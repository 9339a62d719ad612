#!/usr/bin/env bash
# Issue 11's "Done when" in one invocation, on one private cluster, each figure printed
# below the figure the README gave before this script existed ("earlier"):
#  1. memory per backend at 1, 8, 32 and 64 connections that each ran encode + match with
#     the full taxonomy, first-call latency, one backend's growth over CALLS matches
#     (scripts/bench_backends.sh, with shared_preload_libraries = PRELOADS);
#  2. pgbench matches/s and P50/P95/P99 at 8 and 32 clients, taxonomy loaded, JOBS jobs;
#  3. cancel overshoot (scripts/bench_cancel.sh);
#  4. encode throughput and latency beside ONNX Runtime's (scripts/bench_onnx.sh).
#
# The jobs: scripts/bench_jobs_db.sh (TEXTS distinct generated postings, each posted
# JOBS / TEXTS times with its own vector; kept and reused when complete, REBUILD=1 builds again).
#
# Usage: scripts/bench_light_backends.sh   env: PORT (55457), TEXTS (5000), JOBS (100000),
#        RESUMES (100), CLIENT_SECONDS (20), CALLS (1000), PRELOADS ("resonance"; add "none"
#        for the no-preload column, which loads a private model per backend: 64 x 120 MB),
#        CANCEL_RUNS (5), ROUNDS (3, bench_onnx), BASELINE (bench_onnx), SKIP_INSTALL (0), REBUILD (0)
# Honours PG_CONFIG (scripts/pg_env.sh) and CARGO_TARGET_DIR. Prints numbers; not a test.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
source "$here/scripts/pg_env.sh"
PORT="${PORT:-55457}"; TEXTS="${TEXTS:-5000}"; JOBS="${JOBS:-100000}"; RESUMES="${RESUMES:-100}"
CLIENT_SECONDS="${CLIENT_SECONDS:-20}"; CALLS="${CALLS:-1000}"; PRELOADS="${PRELOADS:-resonance}"
db=resonance_light
work="/tmp/resonance-bench-light-$PORT"
export PATH="$HOME/.cargo/bin:$PATH"
cd "$here"
mkdir -p "$work"; chmod 777 "$work"
psql_() { bash scripts/cluster.sh psql "$PORT" -X -q -v ON_ERROR_STOP=1 "$@"; }
log() { printf '[light] %s\n' "$*"; }
section() { printf '\n== %s\n' "$*"; }
today() { printf 'earlier (the README before this benchmark existed): %s\n' "$*"; }
started=$(date +%s)
log "started $(date -u +%FT%TZ) at $(git rev-parse --short HEAD); load average $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores, shared)"

[ "${SKIP_INSTALL:-0}" = 1 ] || bash scripts/install_extension.sh
bash scripts/cluster.sh start "$PORT" >/dev/null

TEXTS="$TEXTS" JOBS="$JOBS" RESUMES="$RESUMES" bash scripts/bench_jobs_db.sh "$PORT" "$db"

section "1. memory per backend, first call, growth (scripts/bench_backends.sh, $db: the jobs above)"
today "PSS per extra backend, encode + match: 388 MB private (before issue 11), 119 MB (index file, no preload), 16-22 MB (index file + preload); 64 connections, PSS in total: 7.7 GB / 1.1 GB; first resonance_match in a new backend 12 ms alone, P50 14-35 ms with 8-64 opening at once (preload); one backend over 3,000 matches: +2 MB in the first 500 calls, then flat (demo database: 40 jobs)"
for preload in $PRELOADS; do
  # bench_backends.sh runs with and without the preload; PRELOADS picks which.
  [ "$preload" = none ] && preload=""
  PORT="$PORT" DB="$db" CONNECTIONS=1,8,32,64 CALLS="$CALLS" ONLY_PRELOAD="$preload" bash scripts/bench_backends.sh
done

section "2. pgbench, 8 and 32 clients, ${CLIENT_SECONDS} s each, a random resume per call, default options without reranking"
today "pgbench 8 / 32 clients: 589 (P50 12 / P99 33 ms) / 604 (50 / 167) matches/s on the demo database (40 jobs); 100k jobs (5,000 texts x 20, scripts/bench_match.sh, reranking off): 60.4 matches/s at 8 clients, single client P50 31.5 / P95 52.0 / P99 65.6 ms"
printf '\\set r random(1, %s)\nSELECT job_id, rank, final_score, explanation FROM resonance_match((SELECT id FROM bench.resume_ids WHERE n = :r), %s, %s);\n' \
  "$RESUMES" "'{}'" "'{\"use_cross_encoder\": false}'" > "$work/match.sql"
for clients in 8 32; do
  rm -f "$work"/pgbench_log.*
  out=$(cd "$work" && pgbench -h /tmp -p "$PORT" -U postgres -n -c "$clients" -j 2 -T "$CLIENT_SECONDS" -l -f "$work/match.sql" "$db" 2>&1)
  tps=$(awk '/^tps/ { print $3 }' <<<"$out" | head -1)
  cat "$work"/pgbench_log.* | awk '{ print $3 / 1000 }' | sort -n | awk -v c="$clients" -v tps="$tps" '
    { v[NR] = $1 }
    END { printf "clients=%s matches=%d matches_per_s=%.1f p50_ms=%.1f p95_ms=%.1f p99_ms=%.1f max_ms=%.1f (every call, each backend'"'"'s first included)\n",
                 c, NR, tps, v[int(NR * 0.50 + 0.999)], v[int(NR * 0.95 + 0.999)], v[int(NR * 0.99 + 0.999)], v[NR] }'
done

section "3. cancel overshoot past a 200 ms statement_timeout (scripts/bench_cancel.sh)"
today "overshoot median / max: encode_64x256 8-38 / 66 ms; encode_10mb usually done before the timeout; rerank_64x256 5-37 / 135 ms"
bash scripts/bench_cancel.sh "$PORT" "${CANCEL_RUNS:-5}"

section "4. encode beside ONNX Runtime (scripts/bench_onnx.sh)"
today "the design's measurement on another machine: ONNX Runtime 10.2 ms for one 64-token text, 24 texts/s of 256 tokens; stock candle 30 ms, 7.2 texts/s; resonance_encode 16.8 texts/s of 256 tokens and 20.1 ms for one 64-token text (2 threads, README)"
ROUNDS="${ROUNDS:-3}" bash scripts/bench_onnx.sh

log "done in $(( $(date +%s) - started )) s; load average $(cut -d' ' -f1-3 /proc/loadavg)"
