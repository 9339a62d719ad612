#!/usr/bin/env bash
# What the HTTP service costs over SQL: requests/s and latency (P50, P99) of POST
# /v2/jobs/match through resonance-http, against the same resonance_match called directly
# over SQL with pgbench, with the same clients, resumes and options, one after the other on
# this machine's loopback. Prints numbers and their ratio; it is not a test
# (scripts/test_http.sh runs a short one and checks only that no request failed).
#
# Both sides are closed loops of CLIENTS connections with one call in flight each: the HTTP
# side is crates/http/examples/load_http.rs (keep-alive, one thread) against the service with a
# pool of CLIENTS connections; the SQL side is pgbench -c CLIENTS -j 1 -M prepared. ROUNDS
# times, each side runs WARMUP_SECONDS + RUN_SECONDS in turn and counts only calls that
# start (HTTP) or end (pgbench's per-transaction log) after the warm-up, so the models each
# new backend loads once (about 1 s) are left out of both. Resumes: the 8 sample resumes in
# turn (HTTP) or at random (pgbench). Data: sql/sample_data.sql (40 jobs) and
# tests/clients/taxonomy.sql. At the defaults the whole load run takes 52 s.
#
# Through HTTP a match is one transaction of BEGIN, SET LOCAL ROLE and statement_timeout,
# resonance_match, resonance_last_match_stats() (for model_version) and COMMIT, plus the
# bearer token's check and JSON: that is part of what is measured.
#
# Usage: scripts/bench_http.sh <port>   (the cluster runs, the extension is installed)
#        env: RUN_SECONDS (10 per round and side), ROUNDS (2), WARMUP_SECONDS (3), CLIENTS (4),
#        OPTIONS ('{}', the match options of both sides), RESONANCE_HTTP_BENCH_PORT (8452)
set -uo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
port="${1:?port}"
run_seconds="${RUN_SECONDS:-10}"; rounds="${ROUNDS:-2}"; warmup="${WARMUP_SECONDS:-3}"; clients="${CLIENTS:-4}"
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
# A token for the login role itself: each request pays for authentication and SET LOCAL
# ROLE, as in production, and sees what the SQL side sees.
token=$(http_token postgres "$work/tokens")
RESONANCE_HTTP_TOKENS_FILE="$work/tokens" http_start "$port" "$db" "$http_port" "$work/service.log" "$clients" ||
  { cat "$work/service.log"; exit 1; }
echo "resonance_match, $clients clients, $rounds round(s) of ${run_seconds} s per side after ${warmup} s of warm-up, options $options"

# The SQL side's script: the same call as the service makes, a random sample resume.
sql_options=${options//\'/\'\'}
cat > "$work/match.sql" <<SQL
\set r random(1, 8)
SELECT job_id, title, rank, final_score, explanation
FROM resonance_match(('00000000-0000-4000-b000-' || lpad(:r::text, 12, '0'))::uuid, '{}', '$sql_options');
SQL

# summary <latency files...> (<errors> in $errors): the result line of those calls:
# "requests=N errors=N seconds=S rps=R p50_ms=X p99_ms=Y" (nearest-rank percentiles).
summary() {
  cat "$@" | sort -n | awk -v s="$(awk -v a="$run_seconds" -v r="$#" 'BEGIN { print a * r }')" -v e="$errors" '
    { v[NR] = $1 }
    END { p50 = int(NR * 0.50 + 0.999999); p99 = int(NR * 0.99 + 0.999999)
          printf "requests=%d errors=%s seconds=%.1f rps=%.1f p50_ms=%.2f p99_ms=%.2f\n",
                 NR + (e ~ /^[0-9]+$/ ? e : 0), e, s, NR / s, v[p50 < 1 ? 1 : p50], v[p99 < 1 ? 1 : p99] }'
}

# http_round <k>: the load client against the service; its latencies in $work/http_ms.<k>.
http_round() {
  local line
  line=$("$http_target/release/examples/load_http" --url "http://127.0.0.1:$http_port/v2/jobs/match" \
    --connections "$clients" --seconds "$run_seconds" --warmup "$warmup" --resumes "$resumes" --options "$options" \
    --latencies "$work/http_ms.$1" --token "$token")
  echo "round $1 http: $line"
  # No line at all (the client could not run) counts as one error.
  local errors; errors=$(sed -n 's/.*errors=\([0-9]*\).*/\1/p' <<<"$line")
  http_errors=$((http_errors + ${errors:-1}))
}

# sql_round <k>: pgbench for warm-up + run seconds; its per-transaction log (-l: client,
# transaction, latency_us, script, end epoch s, end epoch us) gives the calls that end after
# the warm-up, their latencies in $work/sql_ms.<k>. A client that hits an error aborts and
# pgbench exits non-zero: that round's errors are then "aborted".
sql_round() {
  local start status failed
  rm -f "$work"/pgbench.*
  start=$(date +%s.%N)
  pgbench -h /tmp -p "$port" -U postgres -n -M prepared -c "$clients" -j 1 \
    -T "$(awk -v a="$warmup" -v b="$run_seconds" 'BEGIN { print int(a + b + 0.999) }')" \
    -f "$work/match.sql" -l --log-prefix="$work/pgbench" "$db" > "$work/pgbench-out.txt" 2>&1
  status=$?
  failed=$(awk '/^number of failed transactions/ { print $5 }' "$work/pgbench-out.txt")
  [ "$status" -eq 0 ] && [ -n "$failed" ] || { failed=aborted; cat "$work/pgbench-out.txt"; }
  cat "$work"/pgbench.* | awk -v from="$start" -v w="$warmup" -v s="$run_seconds" \
    '{ end = $5 + $6 / 1e6 } end >= from + w && end < from + w + s { printf "%.3f\n", $3 / 1000 }' > "$work/sql_ms.$1"
  echo "round $1 sql: $(errors=$failed summary "$work/sql_ms.$1")"
  if [ "$failed" = aborted ] || [ "$sql_errors" = aborted ]; then sql_errors=aborted; else sql_errors=$((sql_errors + failed)); fi
}

# Rounds alternate the two sides, so a change in what else runs on the machine falls on both.
http_errors=0; sql_errors=0
for k in $(seq "$rounds"); do http_round "$k"; sql_round "$k"; done
http_stop || echo "bench_http: the service did not stop cleanly"
http_line=$(errors=$http_errors summary "$work"/http_ms.*)
sql_line=$(errors=$sql_errors summary "$work"/sql_ms.*)
echo "http: $http_line"
echo "sql: $sql_line"

# value <line> <key>: one key=value of a result line.
value() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"; }
awk -v hr="$(value "$http_line" rps)" -v sr="$(value "$sql_line" rps)" -v hp="$(value "$http_line" p99_ms)" -v sp="$(value "$sql_line" p99_ms)" \
  'BEGIN { printf "ratio: requests/s http/sql %.2f; P99 http/sql %.2f (%.2f ms vs %.2f ms)\n", (sr > 0 ? hr / sr : 0), (sp > 0 ? hp / sp : 0), hp, sp }'

psql -h /tmp -p "$port" -U postgres -X -q -d postgres -c "DROP DATABASE IF EXISTS $db"
