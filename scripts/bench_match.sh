#!/usr/bin/env bash
# resonance_match latency and throughput over 100,000 job postings generated from O*NET and
# ESCO (scripts/bench_jobs.py), reranking off and on. Prints numbers; it is not a test.
#
#  - single client (pgbench -c 1, per-call latencies from its log): P50 / P95 / P99 ms for
#    off; on with the score cache warm (after CALL resonance_rerank_precompute()); on with
#    the cache cold and the latency budget (read-only transactions: nothing is written, as
#    on a hot standby); and a few calls cold without a budget (what 100 pairs cost);
#  - 8 concurrent clients (pgbench -c 8 -T, a custom script drawing a random resume):
#    matches/s for off, on warm and on cold with the budget.
#
# The jobs (database resonance_match_bench on $PORT): scripts/bench_jobs_db.sh, TEXTS distinct
# generated postings each posted PER_TEXT times with its own vector; kept and reused when
# complete (REBUILD=1 builds again). Embedding is the expensive part, so TEXTS=20000
# PER_TEXT=5 is more varied and takes several times longer to build.
# Reranking "on" uses the cross-encoder trained by scripts/train_cross_encoder.sh
# (CE_DELTA), which is measured here and not shipped (README).
#
# Usage: scripts/bench_match.sh   env: PORT (55440), TEXTS (5000), PER_TEXT (20), RESUMES (100),
#        QUERIES (200 single-client calls per mode), RUN_SECONDS (40 per 8-client run),
#        BUDGET_MS (60), CE_DELTA (/tmp/ce-run/delta-f16.safetensors), SKIP_INSTALL (0)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
source "$here/scripts/pg_env.sh"
PORT="${PORT:-55440}"; TEXTS="${TEXTS:-5000}"; PER_TEXT="${PER_TEXT:-20}"; RESUMES="${RESUMES:-100}"
QUERIES="${QUERIES:-200}"; SECONDS_PER_RUN="${RUN_SECONDS:-40}"; BUDGET_MS="${BUDGET_MS:-60}"
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

# The measured, not shipped, cross-encoder: registered in this database only.
[ -f "$CE_DELTA" ] || { log "no cross-encoder delta at $CE_DELTA: run scripts/train_cross_encoder.sh /tmp/ce-run"; exit 1; }
models="$(pg_path sharedir)/resonance/models"
install -D -m 644 "$CE_DELTA" "$models/resonance-ce-measured/delta.safetensors"
psql_ -d "$db" -c "
  INSERT INTO resonance.ml_models (name, version, model_type, artifact_path, config)
  VALUES ('resonance-ce', 'measured', 'cross_encoder', 'resonance-ce-measured',
          jsonb_build_object('base', 'all-minilm-l6-v2', 'source', '$CE_DELTA', 'shipped', false))
  ON CONFLICT (name, version) DO NOTHING" \
  -c "UPDATE resonance.ml_models SET is_active = (name = 'resonance-ce' AND version = 'measured') WHERE model_type = 'cross_encoder'"

log "load average before measuring: $(cut -d' ' -f1-3 /proc/loadavg) (2 cores, shared)"

# A pgbench script: one resonance_match of a random resume with the given options JSON.
script() {
  local f="$work/match_$1.sql"
  printf '\\set r random(1, %s)\nSELECT job_id, rank, final_score, cross_encoder_score, explanation FROM resonance_match((SELECT id FROM bench.resume_ids WHERE n = :r), %s, %s);\n' \
    "$RESUMES" "'{}'" "'$2'" > "$f"
  echo "$f"
}
off=$(script off '{"use_cross_encoder": false}')
on=$(script on '{"use_cross_encoder": true, "rerank_budget_ms": null}')
budget=$(script budget "{\"use_cross_encoder\": true, \"rerank_budget_ms\": $BUDGET_MS}")

# Single-client latency: pgbench's per-transaction log (column 3: microseconds). The first
# call of the connection loads the models and is reported separately.
single() {
  local name="$1" file="$2" n="$3" opts="${4:-}"
  rm -f "$work"/pgbench_log.*
  (cd "$work" && PGOPTIONS="$opts" pgbench -h /tmp -p "$PORT" -U postgres -n -c 1 -t "$n" -f "$file" -l "$db" >/dev/null)
  awk '{ print $3 / 1000 }' "$work"/pgbench_log.* > "$work/lat_$name.txt"
  tail -n +2 "$work/lat_$name.txt" | sort -n | awk -v name="$name" -v first="$(head -1 "$work/lat_$name.txt")" '
    { v[NR] = $1 }
    END { i50 = int(NR * 0.50 + 0.999); i95 = int(NR * 0.95 + 0.999); i99 = int(NR * 0.99 + 0.999)
          printf "single_client %-28s calls=%d p50_ms=%.1f p95_ms=%.1f p99_ms=%.1f max_ms=%.1f first_call_ms=%.1f\n",
                 name, NR, v[i50], v[i95], v[i99], v[NR], first }'
}

# Matches/s with 8 clients for SECONDS_PER_RUN (each backend loads its models once, inside the run).
concurrent() {
  local name="$1" file="$2" opts="${3:-}"
  PGOPTIONS="$opts" pgbench -h /tmp -p "$PORT" -U postgres -n -c 8 -j 2 -T "$SECONDS_PER_RUN" -f "$file" "$db" 2>/dev/null |
    awk -v name="$name" '/^number of transactions actually processed/ { n = $NF }
                         /^latency average/ { lat = $4 }
                         /^tps/ { printf "clients_8 %-28s matches=%s matches_per_s=%.1f latency_avg_ms=%s\n", name, n, $3, lat }'
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
echo "== reranking off"
single off "$off" "$QUERIES"
echo "== reranking on, cache cold (read-only transactions: nothing written), budget ${BUDGET_MS} ms"
single "on_cold_budget_${BUDGET_MS}ms" "$budget" "$QUERIES" "$readonly_opts"
echo "== reranking on, cache cold, no budget (a few calls)"
single on_cold_no_budget "$on" 6 "$readonly_opts"

echo "== 8 concurrent clients, cache cold (read-only), ${SECONDS_PER_RUN} s"
concurrent "on_cold_budget_${BUDGET_MS}ms" "$budget" "$readonly_opts"

echo "== filling the cache: CALL resonance_rerank_precompute()"
t0=$(date +%s.%N)
psql_ -d "$db" -c "CALL resonance_rerank_precompute(10)" 2>&1 | tail -1
echo "precompute_s=$(echo "$(date +%s.%N) - $t0" | bc) $(psql_ -d "$db" -At -c "SELECT 'rows=' || count(*) || ' distinct_job_texts_per_resume=' || round(count(DISTINCT job_key)::numeric / greatest(count(DISTINCT resume_id), 1), 1) || ' table_size=' || pg_size_pretty(pg_total_relation_size('resonance.rerank_scores')) FROM resonance.rerank_scores")"

echo "== reranking on, cache warm"
single on_warm "$on" "$QUERIES"
single "on_warm_budget_${BUDGET_MS}ms" "$budget" "$QUERIES"

echo "== stage breakdown of one call (ms)"
stages off '{"use_cross_encoder": false}'
stages on_warm '{"rerank_budget_ms": null}'

echo "== 8 concurrent clients, ${SECONDS_PER_RUN} s each"
concurrent off "$off"
concurrent on_warm "$on"
log "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
