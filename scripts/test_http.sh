#!/usr/bin/env bash
# resonance-http against a live cluster (issue 14): builds the service, starts it on a test
# database of the cluster, and checks real answers with curl and Python: POST /v2/jobs/match
# (ranked jobs with explanations, the same rows as SQL's resonance_match), GET
# /v2/models/active, every kind of bad request (400/404 with a JSON error naming the field),
# request ids, /metrics counting what was sent, 503 from /readyz and from a match while the
# cluster is stopped and recovery once it is back, and a graceful stop (SIGTERM) that
# finishes a request in flight. Then the clients of the README against the same database:
# Python (psycopg 3, SQLAlchemy: tests/clients/test_clients.py) and Rust (tokio-postgres
# with the pgvector crate: src/http/examples/encode_client.rs), and a short load run
# (scripts/bench_http.sh) that must have no failed request. The crate's own tests run first
# (cargo test --release -p resonance-http).
# Prints "ok <check>" / "not ok <check>" lines and "http: N passed, M failed".
# Usage: scripts/test_http.sh <port>   (the cluster runs, the extension is installed; the
#        service listens on RESONANCE_HTTP_TEST_PORT, default 8451; this script stops and
#        restarts the cluster once, for the 503 checks)
set -uo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here" || exit 1
source scripts/http_env.sh
source scripts/checks.sh
port="${1:?port}"
http_port="${RESONANCE_HTTP_TEST_PORT:-8451}"
db=resonance_http
base="http://127.0.0.1:$http_port"
r1=00000000-0000-4000-b000-000000000001
work="$(mktemp -d /tmp/resonance-http-test-XXXXXX)"
log="$work/service.log"
sql() { psql -h /tmp -p "$port" -U postgres -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"; }

# The cluster is stopped for the 503 checks; whatever happens, leave it running, and the
# service stopped.
cleanup() {
  [ -n "${http_pid:-}" ] && kill "$http_pid" 2>/dev/null
  bash scripts/cluster.sh start "$port" >/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# call <method> <path> [body] [curl args...]: the answer's status in $status, body in $body,
# X-Request-Id in $rid. Match requests are tallied by status for the /metrics checks.
declare -A sent=()
call() {
  local method="$1" path="$2" data="${3:-}"; shift 3 2>/dev/null || shift $#
  local args=(-s -X "$method" -o "$work/body" -D "$work/headers" -w '%{http_code}')
  [ -n "$data" ] && args+=(-H 'content-type: application/json' --data-binary "$data")
  status=$(curl "${args[@]}" "$@" "$base$path")
  body=$(cat "$work/body")
  rid=$(tr -d '\r' < "$work/headers" | sed -n 's/^x-request-id: //Ip')
  if [ "$path" = /v2/jobs/match ]; then sent[$status]=$(( ${sent[$status]:-0} + 1 )); fi
}
# pj <python expression> [json text]: the expression over the JSON (default: $body) as j;
# true/false/null as JSON writes them, a list as its items separated by spaces. Python, not
# jq: python3 is on every machine the project runs on.
pj() {
  python3 -c '
import json, sys
j = json.loads(sys.argv[2])
v = eval(sys.argv[1], {"j": j, "json": json})
show = lambda x: "true" if x is True else "false" if x is False else "null" if x is None else str(x)
print(" ".join(map(show, v)) if isinstance(v, list) else show(v))' "$1" "${2-$body}" 2>/dev/null
}
# metric <line prefix>: the value of one /metrics sample (0 when absent).
metric() { curl -s "$base/metrics" | awk -v k="$1" 'index($0, k " ") == 1 { v = $NF } END { print v + 0 }'; }

echo "building resonance-http (release)"
if ! http_build; then echo "not ok resonance-http builds"; finish_checks http; exit 1; fi
echo "built in $SECONDS s"

# The crate's own tests (no database: config, validation, error mapping, metrics, the router
# against a closed port), with the dependencies the build above compiled. Each test is one
# check.
echo "== cargo test --release -p resonance-http"
http_cargo test --release -p resonance-http > "$work/cargo.txt" 2>&1
cargo_status=$?
sed -nE 's/^test (.*) \.\.\. ok$/ok resonance-http: \1/p; s/^test (.*) \.\.\. FAILED$/not ok resonance-http: \1/p' "$work/cargo.txt"
source scripts/test_counts.sh
read -r cargo_ok cargo_bad < <(cargo_counts "$work/cargo.txt" "$cargo_status")
passed=$((passed + cargo_ok)); failed=$((failed + cargo_bad))
[ "$cargo_status" -eq 0 ] || grep -E '^(error|failures:|---- )' -A5 "$work/cargo.txt" | head -40
if ! http_database "$port" "$db"; then echo "not ok test database created"; finish_checks http; exit 1; fi
if ! http_start "$port" "$db" "$http_port" "$log"; then
  echo "not ok resonance-http starts and answers /healthz"; cat "$log"; finish_checks http; exit 1
fi

call GET /healthz
check "/healthz: 200 ok" '200 ok' "$status $(pj 'j["status"]')"
call GET /readyz
check "/readyz: 200 ready with the database up" '200 ready' "$status $(pj 'j["status"]')"
call GET /v2/models/active
check "GET /v2/models/active: resonance_models_active() as JSON" \
  "200 $(pj 'json.dumps(j, sort_keys=True)' "$(sql -c "SELECT resonance_models_active()")")" "$status $(pj 'json.dumps(j, sort_keys=True)')"

# A default match: the same ranked rows as SQL, scored and explained.
call POST /v2/jobs/match "{\"resume_id\": \"$r1\"}"
check "match: 200 with 25 jobs ranked 1..25" "200 25 true" \
  "$status $(pj '[len(j["jobs"]), [x["rank"] for x in j["jobs"]] == list(range(1, 26))]')"
check "match: same job ids in the same order as SQL resonance_match" \
  "$(sql -c "SELECT string_agg(job_id::text, ',' ORDER BY rank) FROM resonance_match('$r1')")" \
  "$(pj '",".join(x["id"] for x in j["jobs"])')"
check "match: score is final_score (within 1e-6) and descends with rank" "true true" \
  "$(pj "[all(abs(x['score'] - s) < 1e-6 for x, s in zip(j['jobs'], [$(sql -c "SELECT string_agg(final_score::text, ',' ORDER BY rank) FROM resonance_match('$r1')")])),
           [x['score'] for x in j['jobs']] == sorted((x['score'] for x in j['jobs']), reverse=True)]")"
check "match: every job explained; the top one matches Python and Django" "true true strong" \
  "$(pj '[all(isinstance(x["explanation"], dict) and isinstance(x["explanation"]["skills"]["matched"], list) for x in j["jobs"]),
           {"Python", "Django"} <= set(j["jobs"][0]["explanation"]["skills"]["matched"]), j["jobs"][0]["explanation"]["overall_strength"]]')"
check "match: model_version is the model that scored (the base bi-encoder), latency_ms > 0" "all-minilm-l6-v2 true" \
  "$(pj '[j["model_version"], j["latency_ms"] > 0]')"

call POST /v2/jobs/match "{\"resume_id\": \"$r1\", \"filters\": {\"country\": \"Germany\"}, \"options\": {\"top_k_final\": 3, \"explain\": false}}"
ids=$(pj '",".join(chr(39) + x["id"] + chr(39) for x in j["jobs"])')
check "match with filters and options: 3 jobs, all in Germany, explanations null" "200 3 Germany true" \
  "$status $(pj 'len(j["jobs"])') $(sql -c "SELECT string_agg(DISTINCT country, ',') FROM resonance.jobs WHERE id IN (${ids:-NULL})") $(pj 'all(x["explanation"] is None for x in j["jobs"])')"

call POST /v2/jobs/match "{\"resume_id\": \"$r1\"}" -H 'x-request-id: http-test-trace-1'
check "X-Request-Id: the caller's id is echoed and names the request in the log" "http-test-trace-1 1" \
  "$rid $(grep -c 'id=http-test-trace-1 .*status=200' "$log")"
call GET /healthz
check "X-Request-Id: a new UUID when the caller sends none" 36 "${#rid}"

# Each bad request: status, the field the JSON error names, and a non-empty message.
bad() {
  local name="$1" want="$2" data="$3"
  call POST /v2/jobs/match "$data"
  check "bad request, $name: $want" "$want true" "$status $(pj '[j["field"], len(j["error"]) > 10]')"
}
bad "missing resume_id" "400 resume_id" '{"filters": {}}'
bad "resume_id not a UUID" "400 resume_id" '{"resume_id": "42"}'
bad "unknown filter key (the extension's error)" "400 filters.contry" "{\"resume_id\": \"$r1\", \"filters\": {\"contry\": \"Germany\"}}"
bad "filter of the wrong type" "400 filters.remote_only" "{\"resume_id\": \"$r1\", \"filters\": {\"remote_only\": \"yes\"}}"
bad "option out of range" "400 options.top_k_final" "{\"resume_id\": \"$r1\", \"options\": {\"top_k_final\": 0}}"
bad "filters not an object" "400 filters" "{\"resume_id\": \"$r1\", \"filters\": [\"Germany\"]}"
bad "unknown top-level key" "400 limit" "{\"resume_id\": \"$r1\", \"limit\": 5}"
bad "malformed JSON body" "400 body" "{\"resume_id\": \"$r1\""
bad "unknown resume" "404 resume_id" '{"resume_id": "00000000-0000-4000-b000-0000000000ff"}'
bad "unknown cross-encoder version" "404 options.model_version" "{\"resume_id\": \"$r1\", \"options\": {\"model_version\": \"nope\"}}"
check "the unknown filter key's error is the extension's message" \
  'resonance: invalid input: unknown filter key "contry" (known keys: country, city, remote_only, experience, company)' \
  "$(pj 'j["error"]' "$(curl -s -X POST "$base/v2/jobs/match" --data-binary "{\"resume_id\": \"$r1\", \"filters\": {\"contry\": 1}}")")"
sent[400]=$(( ${sent[400]:-0} + 1 ))
call GET /v2/no-such-route
check "unknown route: 404 with a JSON error" "404 true" "$status $(pj 'j["error"].startswith("no such route")')"

# /metrics counts what was sent (the tallies of call), by route and status, and errors by kind.
check "/metrics: match requests answered 200" "${sent[200]:-0}" \
  "$(metric 'resonance_http_requests_total{route="/v2/jobs/match",method="POST",status="200"}')"
check "/metrics: match requests answered 400" "${sent[400]:-0}" \
  "$(metric 'resonance_http_requests_total{route="/v2/jobs/match",method="POST",status="400"}')"
check "/metrics: bad requests counted as errors by kind (400s, 404s)" "${sent[400]:-0} ${sent[404]:-0}" \
  "$(metric 'resonance_http_errors_total{route="/v2/jobs/match",kind="bad_request"}') $(metric 'resonance_http_errors_total{route="/v2/jobs/match",kind="not_found"}')"
all_matches=$(( ${sent[200]:-0} + ${sent[400]:-0} + ${sent[404]:-0} ))
check "/metrics: the latency histogram saw every match request (+Inf bucket = count)" "$all_matches $all_matches" \
  "$(metric 'resonance_http_request_duration_seconds_bucket{route="/v2/jobs/match",le="+Inf"}') $(metric 'resonance_http_request_duration_seconds_count{route="/v2/jobs/match"}')"

# The database goes away: /healthz stays up, /readyz and matches say 503; then it comes back.
bash scripts/cluster.sh stop "$port" >/dev/null
call GET /readyz
check "database stopped: /readyz 503 database unavailable" "503 true" "$status $(pj 'j["error"].startswith("database unavailable")')"
call POST /v2/jobs/match "{\"resume_id\": \"$r1\"}"
check "database stopped: match 503 with a JSON error" "503 true" "$status $(pj 'j["error"].startswith("database unavailable")')"
call GET /healthz
check "database stopped: /healthz still 200" 200 "$status"
check "/metrics: the 503s counted as database_unavailable" 1 \
  "$(metric 'resonance_http_errors_total{route="/v2/jobs/match",kind="database_unavailable"}')"
bash scripts/cluster.sh start "$port" >/dev/null
call GET /readyz
check "database back: /readyz 200 at the first try" 200 "$status"
call POST /v2/jobs/match "{\"resume_id\": \"$r1\", \"options\": {\"top_k_final\": 5}}"
check "database back: match 200 with 5 jobs at the first try" "200 5" "$status $(pj 'len(j["jobs"])')"

# Graceful stop: a request whose body is still arriving (curl sends it at 150 bytes/s, about
# 3 s) when SIGTERM comes is answered, and the service exits 0.
printf '{"resume_id": "%s", "options": {"top_k_final": 2}}%400s' "$r1" "" > "$work/slow.json"
curl -s -o "$work/slow.out" -w '%{http_code}' --limit-rate 150 -X POST -H 'content-type: application/json' \
  --data-binary "@$work/slow.json" "$base/v2/jobs/match" > "$work/slow.status" &
slow=$!
sleep 1
http_stop; stopped=$?
wait "$slow"
check "SIGTERM: the request in flight is answered (200, 2 jobs) and the service exits 0" "200 2 exit 0" \
  "$(cat "$work/slow.status") $(pj 'len(j["jobs"])' "$(cat "$work/slow.out")") exit $stopped"
check "SIGTERM: logged, then stopped" "1 1" "$(grep -c 'SIGTERM' "$log") $(grep -c 'INFO resonance_http: stopped' "$log")"

# The README's clients against the same database.
echo "== Python clients (psycopg 3, SQLAlchemy)"
python3 tests/clients/test_clients.py --dsn "host=/tmp port=$port dbname=$db user=postgres" > "$work/clients.txt" 2>&1
py_status=$?
cat "$work/clients.txt"
py_ok=$(grep -c '^ok ' "$work/clients.txt"); py_bad=$(grep -c '^not ok ' "$work/clients.txt")
passed=$((passed + py_ok)); failed=$((failed + py_bad))
if [ "$py_status" -ne 0 ] && [ "$py_bad" -eq 0 ]; then echo "not ok python clients ran to the end (exit $py_status)"; failed=$((failed + 1)); fi

echo "== Rust client (tokio-postgres + pgvector)"
rust_out=$("$http_target/release/examples/encode_client" "host=/tmp port=$port user=postgres dbname=$db" 2>&1)
echo "$rust_out"
check "Rust client: resonance_encode read as pgvector::Vector has 384 dims and unit norm" "dims 384 norm 1.000000" \
  "$(head -1 <<<"$rust_out" | awk '{ print $1, $2, $3, $4 }')"
# Within 0.001 of each value: the server's default bf16 products move them by up to 3e-4
# (README, "Speed facts"), and the client prints 4 decimals.
check "Rust client: the vector starts as sentence-transformers' reference (to 0.001)" "close" \
  "$(head -1 <<<"$rust_out" | sed 's/.*starts //' | tr -d '[],' | awk -v want="0.0677 0.0635 0.0487 0.0793 0.0374" '
     { n = split(want, w, " "); bad = (NF != n); for (i = 1; i <= n; i++) if ($i - w[i] > 0.001 || w[i] - $i > 0.001) bad = 1
       print bad ? "[" $0 "]" : "close" }')"
check "Rust client: a Vector parameter finds 3 nearest jobs, cosine descending" "3 true" \
  "$(tail -n +2 <<<"$rust_out" | awk 'NR == 1 { p = $1 } { if ($1 > p) bad = 1; p = $1 } END { print NR, (bad ? "false" : "true") }')"

echo "== load run (scripts/bench_http.sh, short)"
ROUNDS=1 RUN_SECONDS="${RESONANCE_HTTP_LOAD_SECONDS:-5}" WARMUP_SECONDS=2 bash scripts/bench_http.sh "$port" > "$work/bench.txt" 2>&1
bench_status=$?
cat "$work/bench.txt"
check "load run: no failed request over HTTP nor over SQL" "0 0 exit 0" \
  "$(sed -n 's/^http: .*errors=\([0-9]*\).*/\1/p' "$work/bench.txt") $(sed -n 's/^sql: .*errors=\([0-9]*\).*/\1/p' "$work/bench.txt") exit $bench_status"

psql -h /tmp -p "$port" -U postgres -X -q -d postgres -c "DROP DATABASE IF EXISTS $db"
echo "test_http: $SECONDS s in all"
finish_checks http
