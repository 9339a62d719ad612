#!/usr/bin/env bash
# What the HTTP service costs over SQL: requests/s and latency (P50, P99) of POST
# /v2/jobs/match through resonance-http, against the same resonance_match called directly
# over SQL with pgbench, with the same clients, resumes and options, one after the other on
# this machine's loopback. Prints numbers and their ratio; it is not a test
# (scripts/test_http.sh runs a short one and checks only that no request failed).
#
# Both sides are closed loops of CLIENTS connections with one call in flight each: the HTTP
# side is src/http/examples/load_http.rs (keep-alive, one thread) against the service with a
# pool of CLIENTS connections; the SQL side is pgbench -c CLIENTS -j 1 -M prepared. Each
# side runs WARMUP_SECONDS + RUN_SECONDS and counts only calls that start (HTTP) or end
# (pgbench's per-transaction log) after the warm-up, so the models each new backend loads
# once (about 1 s) are left out of both. Resumes: the 8 sample resumes in turn (HTTP) or at
# random (pgbench). Data: sql/sample_data.sql (40 jobs) and tests/clients/taxonomy.sql.
#
# Through HTTP a match is one transaction of BEGIN, resonance_match,
# resonance_last_match_stats() (for model_version) and COMMIT, plus JSON: that is part of
# what is measured.
#
# Usage: scripts/bench_http.sh <port>   (the cluster runs, the extension is installed)
#        env: RUN_SECONDS (20), WARMUP_SECONDS (3), CLIENTS (4), OPTIONS ('{}', the match
#        options of both sides), RESONANCE_HTTP_BENCH_PORT (8452, the service's port)
set -uo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
port="${1:?port}"
run_seconds="${RUN_SECONDS:-20}"; warmup="${WARMUP_SECONDS:-3}"; clients="${CLIENTS:-4}"
options="${OPTIONS:-"{}"}"
http_port="${RESONANCE_HTTP_BENCH_PORT:-8452}"
cd "$here" || exit 1
source scripts/http_env.sh
db=resonance_http_bench
work="$(mktemp -d /tmp/resonance-http-bench-XXXXXX)"
trap '[ -n "${http_pid:-}" ] && kill "$http_pid" 2>/dev/null; rm -rf "$work"' EXIT
resumes=$(seq -f '00000000-0000-4000-b000-%012g' 1 8 | paste -sd,)

http_build || { echo "bench_http: the build failed"; exit 1; }
http_database "$port" "$db" || { echo "bench_http: could not create database $db"; exit 1; }
http_start "$port" "$db" "$http_port" "$work/service.log" "$clients" || { cat "$work/service.log"; exit 1; }
echo "resonance_match, $clients clients, ${run_seconds} s measured after ${warmup} s of warm-up, options $options"

# HTTP: the load client prints "requests=N errors=N seconds=S rps=R p50_ms=X p99_ms=Y".
http_line=$("$http_target/release/examples/load_http" --url "http://127.0.0.1:$http_port/v2/jobs/match" \
  --connections "$clients" --seconds "$run_seconds" --warmup "$warmup" --resumes "$resumes" --options "$options")
echo "http: $http_line"
http_stop || echo "bench_http: the service did not stop cleanly"

# SQL: the same call through pgbench; its per-transaction log (-l) gives each call's end
# time and latency, from which the same counts and percentiles are computed.
sql_options=${options//\'/\'\'}
cat > "$work/match.sql" <<SQL
\set r random(1, 8)
SELECT job_id, title, rank, final_score, explanation
FROM resonance_match(('00000000-0000-4000-b000-' || lpad(:r::text, 12, '0'))::uuid, '{}', '$sql_options');
SQL
start=$(date +%s.%N)
pgbench -h /tmp -p "$port" -U postgres -n -M prepared -c "$clients" -j 1 -T "$(awk -v a="$warmup" -v b="$run_seconds" 'BEGIN { print int(a + b + 0.999) }')" \
  -f "$work/match.sql" -l --log-prefix="$work/pgbench" "$db" > "$work/pgbench-out.txt" 2>&1
pgbench_status=$?
# A client that hits an error aborts (pgbench exits non-zero): then the count is unknown.
sql_failed=$(awk '/^number of failed transactions/ { print $5 }' "$work/pgbench-out.txt")
[ "$pgbench_status" -eq 0 ] || sql_failed=aborted
# Log line: client transaction latency_us script epoch_s epoch_us (the end of the call).
sql_line=$(cat "$work"/pgbench.* | awk -v from="$start" -v w="$warmup" -v s="$run_seconds" -v failed="${sql_failed:-unknown}" '
  { end = $5 + $6 / 1e6 }
  end >= from + w && end < from + w + s { n++; print $3 / 1000 | "sort -n > '"$work"'/sql_ms" }
  END { close("sort -n > '"$work"'/sql_ms"); printf "requests=%d errors=%s seconds=%.1f rps=%.1f", n + (failed ~ /^[0-9]+$/ ? failed : 0), failed, s, n / s }')
pct() { awk -v p="$1" '{ v[NR] = $1 } END { i = int(NR * p + 0.999999); if (i < 1) i = 1; printf "%.2f", v[i] }' "$work/sql_ms"; }
sql_line="$sql_line p50_ms=$(pct 0.50) p99_ms=$(pct 0.99)"
echo "sql: $sql_line"
[ "${sql_failed:-x}" = 0 ] || { echo "bench_http: pgbench did not finish cleanly:"; cat "$work/pgbench-out.txt"; }

# value <line> <key>: one key=value of a result line.
value() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"; }
awk -v hr="$(value "$http_line" rps)" -v sr="$(value "$sql_line" rps)" -v hp="$(value "$http_line" p99_ms)" -v sp="$(value "$sql_line" p99_ms)" \
  'BEGIN { printf "ratio: requests/s http/sql %.2f; P99 http/sql %.2f (%.2f ms vs %.2f ms)\n", (sr > 0 ? hr / sr : 0), (sp > 0 ? hp / sp : 0), hp, sp }'

psql -h /tmp -p "$port" -U postgres -X -q -d postgres -c "DROP DATABASE IF EXISTS $db"
