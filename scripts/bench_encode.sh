#!/usr/bin/env bash
# Encode speed, in the database and outside it, in one run on this machine:
#  - first call in a new backend (library + model load) and the backend's RSS growth;
#  - single-text latency p50/p99 (~64 tokens) and batch-32 throughput (~64 / 256 tokens),
#    with resonance.threads = 1 and 2, beside crates/offline/bin/encode_bench.rs (the same engine,
#    no Postgres) with the same thread counts, and the in-db / outside ratio.
# Usage: scripts/bench_encode.sh   (after scripts/demo.sh or scripts/test.sh set things up)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
port="${RESONANCE_PORT:-55432}"
export PATH="$HOME/.cargo/bin:$PATH"
cd "$here"
bash scripts/install_extension.sh >/dev/null
cargo build --release -p resonance-offline --bin encode_bench -q
bash scripts/cluster.sh start "$port" >/dev/null
psql_() { bash scripts/cluster.sh psql "$port" -X -q -v ON_ERROR_STOP=1 "$@"; }
psql_ -d postgres -c "DROP DATABASE IF EXISTS resonance_bench" -c "CREATE DATABASE resonance_bench"
psql_ -d resonance_bench -c "CREATE EXTENSION resonance CASCADE"

echo "== first call in a new backend"
for i in 1 2 3; do
  psql_ -d resonance_bench -At <<'SQL'
SELECT pg_backend_pid() AS pid \gset
\setenv BENCH_PID :pid
\! echo "rss_before_kb=$(awk '/VmRSS/ {print $2}' /proc/$BENCH_PID/status)"
SELECT extract(epoch FROM clock_timestamp()) * 1000 AS t0 \gset
SELECT vector_dims(resonance_encode('This is an example sentence')) \g /dev/null
SELECT 'first_call_ms=' || round((extract(epoch FROM clock_timestamp()) * 1000 - :t0)::numeric, 1);
SELECT extract(epoch FROM clock_timestamp()) * 1000 AS t0 \gset
SELECT vector_dims(resonance_encode('This is an example sentence')) \g /dev/null
SELECT 'second_call_ms=' || round((extract(epoch FROM clock_timestamp()) * 1000 - :t0)::numeric, 1);
\! echo "rss_after_kb=$(awk '/VmRSS/ {print $2}' /proc/$BENCH_PID/status)"
SQL
done

for threads in 1 2; do
  echo "== threads=$threads"
  PGOPTIONS="-c resonance.threads=$threads" psql_ -d resonance_bench -f scripts/bench_encode.sql 2>&1 | sed -E 's/^.*NOTICE:  //' | tee /tmp/resonance-bench-in.txt
  RAYON_NUM_THREADS=$threads "${CARGO_TARGET_DIR:-target}/release/encode_bench" | tee /tmp/resonance-bench-out.txt
  # in-db / outside for each measure (throughput: above 1 is faster in the db; latency: below 1 is)
  awk -v t="$threads" 'FNR == NR { split($3, kv, "="); out[kv[1]] = kv[2]; next }
       { split($3, kv, "="); if (out[kv[1]] > 0) printf "ratio_in_pg_over_outside threads=%s %s=%.2f\n", t, kv[1], kv[2] / out[kv[1]] }' \
    <(grep '^outside_pg' /tmp/resonance-bench-out.txt) <(grep '^in_pg' /tmp/resonance-bench-in.txt)
done
