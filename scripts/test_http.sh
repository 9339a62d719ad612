#!/usr/bin/env bash
# resonance-http against a live cluster (issue 14): builds the service, starts it on a test
# database of the cluster, and checks real answers with curl and Python: POST /v2/jobs/match
# (ranked jobs with explanations, the same rows as SQL's resonance_match), GET
# /v2/models/active, every kind of bad request (400/404 with a JSON error naming the field),
# request ids, /metrics counting what was sent, 503 from /readyz and from a match while the
# cluster is stopped and recovery once it is back, and a graceful stop (SIGTERM) that
# finishes a request in flight. Authentication: 401 without a token or with a wrong one;
# tokens mapped to roles under row-level security see only their rows (the same as SQL under
# SET ROLE), a role without GRANTs gets 403; the service logs in as a role that is a member
# of the tokens' roles, as in production. Timeouts: a match behind a locked table ends at
# statement_timeout (504); clients that trickle their headers, stall or trickle their body
# are cut at the header, body and request timeouts; SIGTERM with a request still arriving
# exits at the drain deadline. Then the clients of the README against the same database:
# Python (psycopg 3, SQLAlchemy: tests/clients/test_clients.py) and Rust (tokio-postgres
# with the pgvector crate: crates/http/examples/encode_client.rs), and a short load run
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
r4=00000000-0000-4000-b000-000000000004
r5=00000000-0000-4000-b000-000000000005
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
# X-Request-Id in $rid, WWW-Authenticate in $challenge, seconds taken in $took. The bearer
# token is $bearer when set (empty: none), else $token. Match requests are tallied by
# status for the /metrics checks.
declare -A sent=()
call() {
  local method="$1" path="$2" data="${3:-}"; shift 3 2>/dev/null || shift $#
  local args=(-s -X "$method" -o "$work/body" -D "$work/headers" -w '%{http_code} %{time_total}')
  [ -n "$data" ] && args+=(-H 'content-type: application/json' --data-binary "$data")
  [ -n "${bearer-$token}" ] && args+=(-H "authorization: Bearer ${bearer-$token}")
  read -r status took < <(curl "${args[@]}" "$@" "$base$path")
  body=$(cat "$work/body")
  rid=$(tr -d '\r' < "$work/headers" | sed -n 's/^x-request-id: //Ip')
  challenge=$(tr -d '\r' < "$work/headers" | sed -n 's/^www-authenticate: //Ip')
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
metric() { curl -s -H "authorization: Bearer $token" "$base/metrics" | awk -v k="$1" 'index($0, k " ") == 1 { v = $NF } END { print v + 0 }'; }

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

# The roles (cluster-wide, dropped at the end). The service logs in as
# resonance_http_service, a member of the roles its tokens name (GRANT role TO service), as a
# deployment would: resonance_http_all reads everything; "ResonanceHttp-A" (only a quoted
# identifier names it) and resonance_http_b read under row-level policies set below;
# resonance_http_nogrant has no GRANT on the tables; resonance_http_outsider is not granted
# to the service at all.
test_roles="resonance_http_all, \"ResonanceHttp-A\", resonance_http_b, resonance_http_nogrant"
admin() { psql -h /tmp -p "$port" -U postgres -X -q -v ON_ERROR_STOP=1 -c "SET client_min_messages = warning" "$@"; }
drop_roles() { admin -d postgres -c "DROP ROLE IF EXISTS resonance_http_service, $test_roles, resonance_http_outsider"; }
if ! { drop_roles && admin -d postgres -c "CREATE ROLE resonance_http_service LOGIN" \
         -c "CREATE ROLE resonance_http_all" -c "CREATE ROLE \"ResonanceHttp-A\"" -c "CREATE ROLE resonance_http_b" \
         -c "CREATE ROLE resonance_http_nogrant" -c "CREATE ROLE resonance_http_outsider" \
         -c "GRANT $test_roles TO resonance_http_service" &&
       admin -d "$db" -c "GRANT SELECT ON ALL TABLES IN SCHEMA resonance TO resonance_http_all, \"ResonanceHttp-A\", resonance_http_b"; }; then
  echo "not ok test roles created"; finish_checks http; exit 1
fi
tokens="$work/tokens"
token=$(http_token resonance_http_all "$tokens")
token_a=$(http_token ResonanceHttp-A "$tokens")
token_b=$(http_token resonance_http_b "$tokens")
token_nogrant=$(http_token resonance_http_nogrant "$tokens")
token_outsider=$(http_token resonance_http_outsider "$tokens")
check "hash-token: five lines of salted hashes, no token in the file" "5 0 true" \
  "$(wc -l < "$tokens") $(grep -c -F -e "$token" -e "$token_a" -e "$token_b" "$tokens") $([[ $token =~ ^rsn_[0-9a-f]{64}$ ]] && echo true)"

# start_service <log>: the service with the tokens above and short timeouts, so the timeout
# checks take seconds.
header_ms=2000; body_ms=2000; request_ms=8000; statement_ms=3000; drain_ms=4000
start_service() {
  local -x RESONANCE_HTTP_TOKENS_FILE="$tokens" RESONANCE_HTTP_HEADER_TIMEOUT_MS=$header_ms \
    RESONANCE_HTTP_BODY_TIMEOUT_MS=$body_ms RESONANCE_HTTP_REQUEST_TIMEOUT_MS=$request_ms \
    RESONANCE_HTTP_STATEMENT_TIMEOUT_MS=$statement_ms RESONANCE_HTTP_DRAIN_TIMEOUT_MS=$drain_ms
  http_user=resonance_http_service http_start "$port" "$db" "$http_port" "$1"
}
# within <seconds> <low> <high>: true when low <= seconds < high.
within() { awk -v t="$1" -v lo="$2" -v hi="$3" 'BEGIN { print (t >= lo && t < hi) ? "true" : "false" }'; }
if ! start_service "$log"; then
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
  "$(pj 'j["error"]' "$(curl -s -X POST -H "authorization: Bearer $token" "$base/v2/jobs/match" --data-binary "{\"resume_id\": \"$r1\", \"filters\": {\"contry\": 1}}")")"
sent[400]=$(( ${sent[400]:-0} + 1 ))
call GET /v2/no-such-route
check "unknown route: 404 with a JSON error" "404 true" "$status $(pj 'j["error"].startswith("no such route")')"

# Authentication: the API and /metrics need a token of the tokens file; the probes do not.
bearer='' call POST /v2/jobs/match "{\"resume_id\": \"$r1\"}"
check "no token: match 401, WWW-Authenticate Bearer, a JSON error" '401 Bearer realm="resonance" true null' \
  "$status $challenge $(pj '[j["error"].startswith("this route needs a bearer token"), j["field"]]')"
bearer=rsn_0123456789abcdef call POST /v2/jobs/match "{\"resume_id\": \"$r1\"}"
check "wrong token: match 401 with error=invalid_token" '401 Bearer realm="resonance", error="invalid_token" the bearer token is not valid' \
  "$status $challenge $(pj 'j["error"]')"
bearer="Basic $token" call POST /v2/jobs/match "{\"resume_id\": \"$r1\"}"
check "a valid token after another word in the header: 401" 401 "$status"
bearer='' call GET /v2/models/active; models=$status
bearer='' call GET /metrics; metrics=$status
bearer='' call GET /healthz; healthz=$status
bearer='' call GET /readyz
check "no token: /v2/models/active and /metrics 401; /healthz and /readyz 200" "401 401 200 200" "$models $metrics $healthz $status"

# /metrics counts what was sent (the tallies of call), by route and status, and errors by kind.
check "/metrics: match requests answered 200" "${sent[200]:-0}" \
  "$(metric 'resonance_http_requests_total{route="/v2/jobs/match",method="POST",status="200"}')"
check "/metrics: match requests answered 400" "${sent[400]:-0}" \
  "$(metric 'resonance_http_requests_total{route="/v2/jobs/match",method="POST",status="400"}')"
check "/metrics: bad requests counted as errors by kind (400s, 404s)" "${sent[400]:-0} ${sent[404]:-0}" \
  "$(metric 'resonance_http_errors_total{route="/v2/jobs/match",kind="bad_request"}') $(metric 'resonance_http_errors_total{route="/v2/jobs/match",kind="not_found"}')"
check "/metrics: the 401s counted as unauthorized" "${sent[401]:-0}" \
  "$(metric 'resonance_http_errors_total{route="/v2/jobs/match",kind="unauthorized"}')"
all_matches=$(( ${sent[200]:-0} + ${sent[400]:-0} + ${sent[401]:-0} + ${sent[404]:-0} ))
check "/metrics: the latency histogram saw every match request (+Inf bucket = count)" "$all_matches $all_matches" \
  "$(metric 'resonance_http_request_duration_seconds_bucket{route="/v2/jobs/match",le="+Inf"}') $(metric 'resonance_http_request_duration_seconds_count{route="/v2/jobs/match"}')"

# Row-level security: each token's role sees its rows only, as the same role over SQL does.
admin -d "$db" -c "ALTER TABLE resonance.resumes ENABLE ROW LEVEL SECURITY" -c "ALTER TABLE resonance.jobs ENABLE ROW LEVEL SECURITY" \
  -c "CREATE POLICY http_all ON resonance.resumes TO resonance_http_all USING (true)" \
  -c "CREATE POLICY http_all ON resonance.jobs TO resonance_http_all USING (true)" \
  -c "CREATE POLICY http_a ON resonance.resumes TO \"ResonanceHttp-A\" USING (id <= '$r4')" \
  -c "CREATE POLICY http_a ON resonance.jobs TO \"ResonanceHttp-A\" USING (country = 'Germany')" \
  -c "CREATE POLICY http_b ON resonance.resumes TO resonance_http_b USING (id > '$r4')" \
  -c "CREATE POLICY http_b ON resonance.jobs TO resonance_http_b USING (true)"
# as_role <role> <query>: the query over SQL under SET ROLE.
as_role() { sql -c "SET ROLE \"$1\"" -c "$2"; }
ranked_ids() { echo "SELECT string_agg(job_id::text, ',' ORDER BY rank) FROM resonance_match('$1')"; }
countries() { sql -c "SELECT string_agg(DISTINCT country, ',' ORDER BY country) FROM resonance.jobs WHERE id IN (${1:-NULL})"; }
job_list='",".join(chr(39) + x["id"] + chr(39) for x in j["jobs"])'
bearer="$token_a" call POST /v2/jobs/match "{\"resume_id\": \"$r1\"}"
check "RLS: ResonanceHttp-A's token gets the jobs SQL gives that role (SET ROLE), only German ones" \
  "200 $(as_role ResonanceHttp-A "$(ranked_ids "$r1")") Germany" "$status $(pj '",".join(x["id"] for x in j["jobs"])') $(countries "$(pj "$job_list")")"
bearer="$token_a" call POST /v2/jobs/match "{\"resume_id\": \"$r5\"}"
check "RLS: ResonanceHttp-A cannot see resume 5: 404, as an unknown resume" "404 resume_id" "$status $(pj 'j["field"]')"
bearer="$token_b" call POST /v2/jobs/match "{\"resume_id\": \"$r5\"}"
check "RLS: resonance_http_b matches resume 5 over every job, as over SQL" \
  "200 $(as_role resonance_http_b "$(ranked_ids "$r5")") true" "$status $(pj '",".join(x["id"] for x in j["jobs"])') $(countries "$(pj "$job_list")" | grep -q , && echo true)"
bearer="$token_b" call POST /v2/jobs/match "{\"resume_id\": \"$r1\"}"
check "RLS: resonance_http_b cannot see resume 1: 404" 404 "$status"
call POST /v2/jobs/match "{\"resume_id\": \"$r1\"}"
check "RLS: after the other roles on the pooled connections, the all-rows token still gets 25 jobs in several countries" "200 25 true" \
  "$status $(pj 'len(j["jobs"])') $(countries "$(pj "$job_list")" | grep -q , && echo true)"
bearer="$token_a" call GET /v2/models/active
check "GET /v2/models/active as ResonanceHttp-A: 200" 200 "$status"
bearer="$token_nogrant" call POST /v2/jobs/match "{\"resume_id\": \"$r1\"}"
check "a role without GRANT SELECT: 403 with Postgres' message" "403 true" "$status $(pj '"permission denied" in j["error"]')"
bearer="$token_outsider" call POST /v2/jobs/match "{\"resume_id\": \"$r1\"}"
check "a role the service's login role is not a member of: 500, and the log says to GRANT it" "500 1" \
  "$status $(grep -c 'resonance_http_outsider.*GRANT <role> TO <login role>' "$log")"

# statement_timeout: a match waiting on a locked table is canceled by Postgres after
# RESONANCE_HTTP_STATEMENT_TIMEOUT_MS (3 s here) and answered 504.
psql -h /tmp -p "$port" -U postgres -X -q -d "$db" -c "SET application_name = 'http-test-locker'" \
  -c "BEGIN; LOCK TABLE resonance.jobs IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(60); COMMIT;" >/dev/null 2>&1 &
locker=$!
for _ in $(seq 50); do
  [ "$(sql -c "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'jobs' AND l.mode = 'AccessExclusiveLock' AND l.granted")" = 1 ] && break
  sleep 0.1
done
call POST /v2/jobs/match "{\"resume_id\": \"$r1\"}"
echo "  measured: a match behind a locked table answered $status after $took s"
check "statement_timeout: a match behind a locked table is 504 after 3-5 s" "504 true true" \
  "$status $(pj '"statement timeout" in j["error"]') $(within "$took" 2.9 5)"
sql -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'http-test-locker'" >/dev/null
wait "$locker" 2>/dev/null
call POST /v2/jobs/match "{\"resume_id\": \"$r1\"}"
check "statement_timeout: the lock gone, the next match is 200" 200 "$status"

# Slow clients: each is cut at its timeout (python3 sockets; scripts/slow_http_client.py).
read -r answer secs _ < <(python3 scripts/slow_http_client.py "$http_port" header "$token")
echo "  measured: a client trickling its headers was closed after $secs s (header timeout $header_ms ms)"
check "header timeout: a client sending a header byte every 0.5 s is closed in 2-3 s" "closed true" "$answer $(within "$secs" 1.9 3)"
read -r answer secs field < <(python3 scripts/slow_http_client.py "$http_port" stall "$token")
echo "  measured: a client that stopped its body was answered $answer after $secs s (body timeout $body_ms ms)"
check "body timeout: a body that stops arriving is 408 (field body) in 2-3 s" "408 body true" "$answer $field $(within "$secs" 1.9 3)"
read -r answer secs field < <(python3 scripts/slow_http_client.py "$http_port" trickle "$token")
echo "  measured: a client trickling its body was answered $answer after $secs s (request timeout $request_ms ms)"
check "request timeout: a body trickling a byte every 0.5 s is 504 in 8-9 s" "504 null true" "$answer $field $(within "$secs" 7.9 9)"

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
curl -s -o "$work/slow.out" -w '%{http_code}' --limit-rate 150 -X POST -H 'content-type: application/json' -H "authorization: Bearer $token" \
  --data-binary "@$work/slow.json" "$base/v2/jobs/match" > "$work/slow.status" &
slow=$!
sleep 1
http_stop; stopped=$?
wait "$slow"
check "SIGTERM: the request in flight is answered (200, 2 jobs) and the service exits 0" "200 2 exit 0" \
  "$(cat "$work/slow.status") $(pj 'len(j["jobs"])' "$(cat "$work/slow.out")") exit $stopped"
check "SIGTERM: logged, then stopped" "1 1" "$(grep -c 'SIGTERM' "$log") $(grep -c 'INFO resonance_http: stopped' "$log")"

# Drain deadline: SIGTERM while a request's body is still trickling in (it would take far
# longer than the drain): the service exits 0 once RESONANCE_HTTP_DRAIN_TIMEOUT_MS passes.
if start_service "$work/drain.log"; then
  python3 scripts/slow_http_client.py "$http_port" trickle "$token" > "$work/drain-client.txt" &
  client=$!
  sleep 1
  begun=$(date +%s.%N); http_stop; stopped=$?; ended=$(date +%s.%N)
  wait "$client"
  secs=$(awk -v a="$begun" -v b="$ended" 'BEGIN { printf "%.1f", b - a }')
  echo "  measured: SIGTERM with a half-sent request: exited after $secs s (drain $drain_ms ms); the client saw: $(cat "$work/drain-client.txt")"
  check "SIGTERM with a half-sent request: exit 0 at the drain deadline (4-5 s), logged" "exit 0 true 1" \
    "exit $stopped $(within "$secs" 3.9 5) $(grep -c 'drain deadline passed' "$work/drain.log")"
else
  echo "not ok the service starts again for the drain check"; cat "$work/drain.log"; failed=$((failed + 1))
fi

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
drop_roles
echo "test_http: $SECONDS s in all"
finish_checks http
