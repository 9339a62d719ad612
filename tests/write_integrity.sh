#!/usr/bin/env bash
# Writes that land where they belong, under concurrent sessions (README, "Embeddings on
# write"): resonance_embed_pending() never stores the embedding of a row's old text over a
# newer edit (jobs and resumes), two concurrent calls encode each row once, and the
# procedures run with their own search_path whatever the caller's.
# Sessions are ordered by what the server shows (a lock held, a backend waiting), never by
# sleeping and hoping.
# Prints "ok <check>" / "not ok <check>" lines and "write_integrity: N passed, M failed".
# Usage: tests/write_integrity.sh <port>   (the cluster runs, the extension is installed)
set -uo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
port="${1:?port}"
cd "$here" || exit 1
source scripts/pg_env.sh
source scripts/checks.sh
db=resonance_write_integrity
data="/tmp/resonance-pg-$port"
sql() { psql -h /tmp -p "$port" -U postgres -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@" 2>&1; }
as_postgres() { if [ "$(id -un)" = postgres ]; then "$@"; else sudo -u postgres "$@"; fi; }
restart() { as_postgres "$(pg_path bindir)/pg_ctl" -D "$data" -m fast -w restart -l "$data/server.log" >/dev/null; }
work="$(mktemp -d /tmp/resonance-write-integrity-XXXXXX)"
# The statistics (texts_encoded counts what was encoded) need the preloaded library; the
# cluster is left as it was found.
sql -d postgres -c "LOAD 'resonance'" -c "ALTER SYSTEM SET shared_preload_libraries = 'resonance'" >/dev/null
restart
cleanup() {
  sql -d postgres -c "ALTER SYSTEM RESET shared_preload_libraries" >/dev/null
  restart
  rm -rf "$work"
}
trap cleanup EXIT

sql -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
sql -c "SET client_min_messages = warning" -c "CREATE EXTENSION resonance CASCADE" >/dev/null

# wait_for <sql returning true>: polls the server (at most 30 s) until the condition holds.
wait_for() {
  for _ in $(seq 300); do
    [ "$(sql -c "$1")" = t ] && return 0
    sleep 0.1
  done
  return 1
}

# The race: a row is pending (written with embed_on_write off); session A edits it and
# holds its transaction open; session B runs resonance_embed_pending() meanwhile. Before,
# B read the old text, encoded it, waited for A's row lock and, once A committed, stored the
# old text's embedding over A's edit, for ever. Now B leaves the row it cannot lock to A,
# whose trigger embeds the new text. The order is forced: A edits, then B starts, then A
# commits only once B has either finished or is waiting for A's row.
# race <table> <id> <insert values> <update set> <document expression>
race() {
  local table="$1" id="$2" values="$3" set="$4" doc="$5"
  sql -c "SET resonance.embed_on_write = off" -c "INSERT INTO resonance.$table VALUES $values" >/dev/null
  # A session holding advisory lock 4242 keeps A's transaction open until it lets go.
  coproc HOLDER { psql -h /tmp -p "$port" -U postgres -X -q -At -d "$db"; }
  echo "SELECT pg_advisory_lock(4242); \\echo held" >&"${HOLDER[1]}"
  local line
  while read -r line <&"${HOLDER[0]}"; do [ "$line" = held ] && break; done
  sql -c "BEGIN" -c "UPDATE resonance.$table SET $set WHERE id = '$id'" \
      -c "SELECT pg_advisory_lock(4242)" -c "COMMIT" >/dev/null &
  local editor=$!
  wait_for "SELECT count(*) = 1 FROM pg_stat_activity WHERE wait_event = 'advisory' AND datname = '$db'" \
    || echo "# A never reached its advisory lock"
  sql -c "SET application_name = 'embed_pending_b'" -c "CALL resonance_embed_pending()" > "$work/pending.txt" &
  local pending=$!
  local waited=0
  until ! kill -0 "$pending" 2>/dev/null || [ "$(sql -c "SELECT EXISTS (SELECT FROM pg_stat_activity
           WHERE application_name = 'embed_pending_b' AND wait_event = 'transactionid')")" = t ]; do
    sleep 0.1; waited=$((waited + 1))
    [ "$waited" -gt 600 ] && { echo "# B neither finished nor waited for A"; break; }
  done
  echo "SELECT pg_advisory_unlock(4242);" >&"${HOLDER[1]}"
  exec {HOLDER[1]}>&-
  wait "$editor" "$pending"
  check "$table: an edit made while resonance_embed_pending() runs keeps its own text's embedding" "1.000 pending=0" \
    "$(sql -c "SELECT round((1 - (embedding <=> resonance_encode($doc)))::numeric, 3) || ' pending=' || (embedding IS NULL)::int
               FROM resonance.$table WHERE id = '$id'")"
}
race jobs 00000000-0000-4000-a000-0000000000c1 \
  "('00000000-0000-4000-a000-0000000000c1', 'Registered Nurse', 'ICU nursing, ACLS')" \
  "title = 'Senior Python Developer', description = 'Django, PostgreSQL, Celery'" \
  "resonance.job_document(title, description)"
race resumes 00000000-0000-4000-b000-0000000000c1 \
  "('00000000-0000-4000-b000-0000000000c1', 'Registered nurse, ICU, ACLS certified')" \
  "text = 'Senior Python developer: Django, PostgreSQL, Celery'" \
  "resonance.resume_document(text)"

# Two concurrent calls split the pending rows: every row is encoded exactly once (the
# database's texts_encoded counter) and stored once (the NOTICEs' counts).
sql -c "SET resonance.embed_on_write = off" \
    -c "INSERT INTO resonance.jobs (title, description) SELECT 'Job ' || i, 'Warehouse work, shift ' || i FROM generate_series(1, 300) i" >/dev/null
before=$(sql -c "SELECT value FROM resonance_stats_counters WHERE name = 'texts_encoded' AND dbid = (SELECT oid FROM pg_database WHERE datname = current_database())")
sql -c "SET client_min_messages = notice" -c "CALL resonance_embed_pending(20)" > "$work/a.txt" &
a=$!
sql -c "SET client_min_messages = notice" -c "CALL resonance_embed_pending(20)" > "$work/b.txt" &
b=$!
wait "$a" "$b"
# Each call's last "jobs N of M embedded" line: N is what that call stored.
stored() { grep -o 'jobs [0-9]* of' "$1" | tail -1 | grep -o '[0-9]*'; }
check "two concurrent calls store each pending job once" "300 0" \
  "$(( $(stored "$work/a.txt" || echo 0) + $(stored "$work/b.txt" || echo 0) )) $(sql -c "SELECT count(*) FROM resonance.jobs WHERE embedding IS NULL")"
after=$(sql -c "SELECT value FROM resonance_stats_counters WHERE name = 'texts_encoded' AND dbid = (SELECT oid FROM pg_database WHERE datname = current_database())")
check "two concurrent calls encode each pending job once" 300 "$((after - before))"

# The procedures pin their search_path: a function planted in the caller's first schema
# under a built-in's name never runs, even for a superuser's CALL.
sql -c "CREATE SCHEMA planted" \
    -c "CREATE TABLE planted.calls (fn text)" \
    -c "CREATE FUNCTION planted.cardinality(anyarray) RETURNS int LANGUAGE plpgsql AS \$\$BEGIN INSERT INTO planted.calls VALUES ('cardinality'); RETURN 0; END\$\$" \
    -c "CREATE FUNCTION planted.format(text, VARIADIC \"any\") RETURNS text LANGUAGE plpgsql AS \$\$BEGIN INSERT INTO planted.calls VALUES ('format'); RETURN ''; END\$\$" \
    -c "SET resonance.embed_on_write = off" -c "INSERT INTO resonance.jobs (title) VALUES ('Forklift operator')" >/dev/null
sql -c "SET search_path = planted, public" -c "CALL resonance_embed_pending()" >/dev/null
check "resonance_embed_pending() runs no function of the caller's search_path" "0 0" \
  "$(sql -c "SELECT count(*) FROM planted.calls") $(sql -c "SELECT count(*) FROM resonance.jobs WHERE embedding IS NULL")"
check "the caller's search_path is left as it was" "planted, public" \
  "$(sql -c "SET search_path = planted, public" -c "CALL resonance_embed_pending()" -c "SHOW search_path" | tail -1)"
check "a bad batch_size is 22023" "22023" \
  "$(sql -c "\\set VERBOSITY sqlstate" -c "CALL resonance_embed_pending(0)" | grep -o '22023')"
# Any role may SET resonance.threads, so it is bounded by the cores the server may use.
cores=$(nproc)
if [ "$cores" -lt 64 ]; then
  check "resonance.threads above the machine's $cores cores is refused (22023)" "22023 $cores" \
    "$(sql -c "\\set VERBOSITY sqlstate" -c "SET resonance.threads = $((cores + 1))" | grep -o '22023') $(
       sql -c "SET resonance.threads = $cores" -c "SHOW resonance.threads")"
fi

sql -d postgres -c "DROP DATABASE $db" >/dev/null
finish_checks write_integrity
