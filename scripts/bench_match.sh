#!/usr/bin/env bash
# resonance_match latency and throughput over 100,000 job postings generated from O*NET and
# ESCO (scripts/bench_jobs.py), reranking off and on. Prints numbers; it is not a test.
#
#  - single client (pgbench -c 1, per-call latencies from its log): P50 / P95 / P99 ms for
#    off; on with the score cache warm (after CALL resonance_rerank_precompute()); on with
#    the cache cold and the latency budget (read-only transactions: nothing is written, as
#    on a hot standby); and a few calls cold without a budget (what the misses cost);
#  - CLIENTS concurrent clients (8 and 32; pgbench -T, a random resume per call): matches/s
#    and P50 / P95 / P99 from pgbench's per-call log, for off, on warm and on cold, each
#    with the budget.
# Every call draws its filters too: 4 in 10 unfiltered, the rest a country, a city or
# remote_only (`filters` below). A filtered call retrieves jobs outside the resume's unfiltered
# top k, which the precompute never scored, so "warm" has misses too, as in production.
#
# The jobs (database resonance_match_bench on $PORT): scripts/bench_jobs_db.sh, TEXTS distinct
# generated postings each posted PER_TEXT times with its own vector; kept and reused when
# complete (REBUILD=1 builds again). The default 50,000 texts x 2 makes the candidates of a
# resume nearly all distinct texts, so the cross-encoder scores as many pairs as it would on
# real postings; embedding them is the slow part of the build.
# Reranking "on" uses CE_DELTA when it exists (a cross-encoder trained by
# scripts/train_cross_encoder.sh), else the tests' cross-encoder
# (scripts/make_test_cross_encoder.py): the same MiniLM-L6 network and so the same cost per
# pair, with untrained scores. This benchmark measures time, never ranking quality.
#
# Usage: scripts/bench_match.sh   env: PORT (55440), TEXTS (50000), PER_TEXT (2), RESUMES (100),
#        QUERIES (200 single-client calls per mode), RUN_SECONDS (30 per concurrent run),
#        CLIENTS ("8 32"), BUDGET_MS (60), CE_DELTA (/tmp/ce-run/delta-f16.safetensors),
#        PARTIAL_INDEXES (0), PRELOAD_CROSS_ENCODER (0), SKIP_INSTALL (0)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
source "$here/scripts/pg_env.sh"
PORT="${PORT:-55440}"; TEXTS="${TEXTS:-50000}"; PER_TEXT="${PER_TEXT:-2}"; RESUMES="${RESUMES:-100}"
QUERIES="${QUERIES:-200}"; SECONDS_PER_RUN="${RUN_SECONDS:-30}"; BUDGET_MS="${BUDGET_MS:-60}"
CLIENTS="${CLIENTS:-8 32}"
CE_DELTA="${CE_DELTA:-/tmp/ce-run/delta-f16.safetensors}"
db=resonance_match_bench
work="/tmp/resonance-bench-match"
export PATH="$HOME/.cargo/bin:$PATH"
cd "$here"
mkdir -p "$work"; chmod 777 "$work"
psql_() { bash scripts/cluster.sh psql "$PORT" -X -q -v ON_ERROR_STOP=1 "$@"; }
log() { printf '[bench] %s\n' "$*"; }

[ "${SKIP_INSTALL:-0}" = 1 ] || bash scripts/install_extension.sh
bash scripts/cluster.sh start "$PORT" >/dev/null

TEXTS="$TEXTS" JOBS=$((TEXTS * PER_TEXT)) RESUMES="$RESUMES" bash scripts/bench_jobs_db.sh "$PORT" "$db"

# The cross-encoder, registered in this database only: a trained delta, or the tests' one.
models="$(pg_path sharedir)/resonance/models"
if [ -f "$CE_DELTA" ]; then ce_source="$CE_DELTA"; ce_version=measured
else ce_source="scripts/make_test_cross_encoder.py (untrained head: timing only)"; ce_version=timing; CE_DELTA="$work/delta.safetensors"
     python3 scripts/make_test_cross_encoder.py "$CE_DELTA"; fi
install -D -m 644 "$CE_DELTA" "$models/resonance-ce-$ce_version/delta.safetensors"
log "cross-encoder: $ce_source"
psql_ -d "$db" -c "
  INSERT INTO resonance.ml_models (name, version, model_type, artifact_path, config)
  VALUES ('resonance-ce', '$ce_version', 'cross_encoder', 'resonance-ce-$ce_version',
          jsonb_build_object('base', 'all-minilm-l6-v2', 'source', '$ce_source', 'shipped', false))
  ON CONFLICT (name, version) DO NOTHING" \
  -c "UPDATE resonance.ml_models SET is_active = (name = 'resonance-ce' AND version = '$ce_version') WHERE model_type = 'cross_encoder'"

# PRELOAD_CROSS_ENCODER=1: the library in shared_preload_libraries and this cross-encoder
# loaded by the postmaster (resonance.preload_cross_encoder, README "Memory"), so backends
# share it instead of each loading its own inside the runs; 0 runs without either. LOAD
# first: ALTER SYSTEM knows a library's settings only once it is loaded.
if [ "${PRELOAD_CROSS_ENCODER:-0}" = 1 ]; then
  psql_ -d postgres -c "LOAD 'resonance'" -c "ALTER SYSTEM SET shared_preload_libraries = 'resonance'" \
        -c "ALTER SYSTEM SET resonance.preload_cross_encoder = 'resonance-ce-$ce_version'" >/dev/null
else
  psql_ -d postgres -c "LOAD 'resonance'" -c "ALTER SYSTEM RESET shared_preload_libraries" \
        -c "ALTER SYSTEM RESET resonance.preload_cross_encoder" >/dev/null
fi
bash scripts/cluster.sh restart "$PORT" >/dev/null
log "cross-encoder preloaded by the postmaster: ${PRELOAD_CROSS_ENCODER:-0}"

# PARTIAL_INDEXES=1: a partial HNSW index for each selective value of the filter mix below
# (README, "Selective filters"), as a deployment would add for its common filters; 0 drops them.
partial_indexes=("japan:country = 'Japan'" "london:city = 'London'" "canada:country = 'Canada'" "germany:country = 'Germany'")
for p in "${partial_indexes[@]}"; do
  if [ "${PARTIAL_INDEXES:-0}" = 1 ]; then
    psql_ -d "$db" -c "CREATE INDEX IF NOT EXISTS jobs_embedding_hnsw_${p%%:*} ON resonance.jobs USING hnsw (embedding vector_cosine_ops) WHERE ${p#*:}"
  else
    psql_ -d "$db" -c "DROP INDEX IF EXISTS resonance.jobs_embedding_hnsw_${p%%:*}"
  fi
done
psql_ -d "$db" -c "ANALYZE resonance.jobs"
log "partial indexes: ${PARTIAL_INDEXES:-0}"

log "load average before measuring: $(cut -d' ' -f1-3 /proc/loadavg) (2 cores, shared)"

# The filters a call draws (uniformly): 4 in 10 none; countries, cities and remote_only of
# scripts/bench_jobs.py's postings (the US is 22 % of them, Germany 9 %, Japan 3 %, one city 3 %,
# remote 20 %).
filters=('{}' '{}' '{}' '{}' '{"country": "Germany"}' '{"country": "United States"}' '{"country": "Japan"}'
         '{"city": "London"}' '{"remote_only": true}' '{"country": "Canada", "remote_only": true}')
filter_array="$(printf "'%s'," "${filters[@]}")"; filter_array="${filter_array%,}"
# A pgbench script: one resonance_match of a random resume, with random filters (or those of
# the SQL array $3 when given), and the given options JSON.
script() {
  local f="$work/match_$1.sql" array="${3:-$filter_array}"
  printf '\\set r random(1, %s)\n\\set f random(1, %s)\nSELECT job_id, rank, final_score, cross_encoder_score, explanation FROM resonance_match((SELECT id FROM bench.resume_ids WHERE n = :r), (ARRAY[%s]::jsonb[])[:f], %s);\n' \
    "$RESUMES" "$(printf '%s' "$array" | grep -o "'{" | wc -l)" "$array" "'$2'" > "$f"
  echo "$f"
}
off=$(script off '{"use_cross_encoder": false}')
on=$(script on '{"use_cross_encoder": true, "rerank_budget_ms": null}')
budget=$(script budget "{\"use_cross_encoder\": true, \"rerank_budget_ms\": $BUDGET_MS}")
on_unfiltered=$(script on_unfiltered '{"use_cross_encoder": true, "rerank_budget_ms": null}' "'{}'")

# P50 / P95 / P99 / max of the latencies (ms, one per line) on stdin.
percentiles() {
  sort -n | awk '{ v[NR] = $1 }
    END { i50 = int(NR * 0.50 + 0.999); i95 = int(NR * 0.95 + 0.999); i99 = int(NR * 0.99 + 0.999)
          printf "calls=%d p50_ms=%.1f p95_ms=%.1f p99_ms=%.1f max_ms=%.1f", NR, v[i50], v[i95], v[i99], v[NR] }'
}

# Single-client latency: pgbench's per-transaction log (column 3: microseconds). The first
# call of the connection loads the models and is reported separately.
single() {
  local name="$1" file="$2" n="$3" opts="${4:-}"
  rm -f "$work"/pgbench_log.*
  (cd "$work" && PGOPTIONS="$opts" pgbench -h /tmp -p "$PORT" -U postgres -n -c 1 -t "$n" -f "$file" -l "$db" >/dev/null)
  awk '{ print $3 / 1000 }' "$work"/pgbench_log.* > "$work/lat_$name.txt"
  printf 'single_client %-28s %s first_call_ms=%.1f\n' "$name" \
    "$(tail -n +2 "$work/lat_$name.txt" | percentiles)" "$(head -1 "$work/lat_$name.txt")"
}

# Matches/s and per-call percentiles with $1 clients for SECONDS_PER_RUN. Each backend loads
# its models in its first call, inside the run: the first call of each client is left out
# of the percentiles (the 1-client run above reports it) but counts for matches/s.
concurrent() {
  local clients="$1" name="$2" file="$3" opts="${4:-}" tps
  rm -f "$work"/pgbench_log.*
  tps=$(cd "$work" && PGOPTIONS="$opts" pgbench -h /tmp -p "$PORT" -U postgres -n -c "$clients" -j 2 \
          -T "$SECONDS_PER_RUN" -f "$file" -l "$db" 2>/dev/null | awk '/^tps/ { printf "%.1f", $3 }')
  # log columns: client_id transaction_no time_us ...; transaction 0 is a client's first call
  printf 'clients_%-3s %-28s matches_per_s=%s %s\n' "$clients" "$name" "$tps" \
    "$(cat "$work"/pgbench_log.* | awk '$2 > 0 { print $3 / 1000 }' | percentiles)"
}

# One call's stage breakdown (resonance_last_match_stats) in a mode, the session's second
# call (the first loads the models and the skill index).
stages() {
  local call="SELECT count(*) FROM resonance_match((SELECT id FROM bench.resume_ids WHERE n = 1), '{}', '$2')"
  psql_ -d "$db" -At -c "$call" -c "$call" \
    -c "SELECT '$1 stages ' || (resonance_last_match_stats()->'ms')::text || ' cache ' || coalesce((resonance_last_match_stats()->'stages'->'rerank_cache')::text, '-')" | tail -1
}

readonly_opts="-c default_transaction_read_only=on"
psql_ -d "$db" -c "TRUNCATE resonance.rerank_scores"  # cold: an earlier run's cache is dropped
# Warm-up: after a restart the first calls read the table and the index from disk.
pgbench -h /tmp -p "$PORT" -U postgres -n -c 2 -t 100 -f "$off" "$db" >/dev/null 2>&1
echo "== reranking off"
single off "$off" "$QUERIES"
echo "== reranking on, cache cold (read-only transactions: nothing written), budget ${BUDGET_MS} ms"
single "on_cold_budget_${BUDGET_MS}ms" "$budget" "$QUERIES" "$readonly_opts"
echo "== reranking on, cache cold, no budget (a few calls)"
single on_cold_no_budget "$on" 6 "$readonly_opts"
for c in $CLIENTS; do
  echo "== $c concurrent clients, cache cold (read-only), ${SECONDS_PER_RUN} s"
  concurrent "$c" "on_cold_budget_${BUDGET_MS}ms" "$budget" "$readonly_opts"
done

echo "== filling the cache: CALL resonance_rerank_precompute()"
t0=$(date +%s.%N)
# Both cores for the precompute (a maintenance job), as resonance.threads allows per session.
PGOPTIONS="-c resonance.threads=2" psql_ -d "$db" -c "CALL resonance_rerank_precompute(10)" 2>&1 | tail -1
echo "precompute_s=$(echo "$(date +%s.%N) - $t0" | bc) $(psql_ -d "$db" -At -c "SELECT 'rows=' || count(*) || ' distinct_job_texts_per_resume=' || round(count(DISTINCT job_key)::numeric / greatest(count(DISTINCT resume_id), 1), 1) || ' table_size=' || pg_size_pretty(pg_total_relation_size('resonance.rerank_scores')) FROM resonance.rerank_scores")"

echo "== reranking on, cache warm (filtered calls still miss what the precompute did not score)"
single "on_warm_budget_${BUDGET_MS}ms" "$budget" "$QUERIES" "$readonly_opts"
single on_warm_unfiltered_no_budget "$on_unfiltered" "$QUERIES" "$readonly_opts"

echo "== stage breakdown of one call (ms)"
stages off '{"use_cross_encoder": false}'
stages on_warm '{"rerank_budget_ms": null}'

off_unfiltered=$(script off_unfiltered '{"use_cross_encoder": false}' "'{}'")
budget_unfiltered=$(script budget_unfiltered "{\"use_cross_encoder\": true, \"rerank_budget_ms\": $BUDGET_MS}" "'{}'")
for c in $CLIENTS; do
  echo "== $c concurrent clients, ${SECONDS_PER_RUN} s each"
  concurrent "$c" off "$off"
  concurrent "$c" "on_warm_budget_${BUDGET_MS}ms" "$budget" "$readonly_opts"
  # Without selective filters, whose retrieval (about 20-30 ms at 3 % of 100,000 jobs) and
  # the CPU queue dominate the tail above.
  concurrent "$c" off_unfiltered "$off_unfiltered"
  concurrent "$c" "on_warm_unfiltered_budget_${BUDGET_MS}ms" "$budget_unfiltered" "$readonly_opts"
done
log "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
