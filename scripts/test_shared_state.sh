#!/usr/bin/env bash
# What backends share (issues 11 and 14, README "Memory" and "Server-wide statistics"):
# the server-wide statistics in shared memory, the skill index file under
# $PGDATA/resonance that the first backend writes and every backend maps, and the base
# bi-encoder the postmaster preloads with shared_preload_libraries.
# Checked: the first use writes one file and later backends map it; a taxonomy change
# writes a new file and removes the old (and those of dropped databases); a change rolled back never reaches other
# backends, even when a later change takes its version number; a damaged file or an
# unwritable directory gives a WARNING and correct results; with the library preloaded the
# postmaster holds the model without a thread and backends encode the same vectors, and the
# cross-encoder resonance.preload_cross_encoder names is shared likewise; a preload that
# cannot find the model leaves the server up.
# Prints "ok <check>" / "not ok <check>" lines and "shared_state: N passed, M failed".
# Usage: scripts/test_shared_state.sh <port>  (the cluster runs, the extension is
#        installed; the cluster is restarted and left as it was found)
set -uo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
port="${1:?port}"
cd "$here" || exit 1
source scripts/pg_env.sh
source scripts/checks.sh
db=resonance_shared_state
data="/tmp/resonance-pg-$port"
dir="$data/resonance"
as_postgres() { if [ "$(id -un)" = postgres ]; then "$@"; else sudo -u postgres "$@"; fi; }
sql() { psql -h /tmp -p "$port" -U postgres -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@" 2>&1; }
restart() { as_postgres "$(pg_path bindir)/pg_ctl" -D "$data" -m fast -w restart -l "$data/server.log" >/dev/null; }
restore_settings() {
  # LOAD first: ALTER SYSTEM knows a library's settings only once the library is loaded.
  sql -d postgres -c "LOAD 'resonance'" -c "ALTER SYSTEM RESET shared_preload_libraries" \
      -c "ALTER SYSTEM RESET resonance.model_dir" -c "ALTER SYSTEM RESET resonance.preload_cross_encoder" >/dev/null
  restart
  chmod 700 "$dir" 2>/dev/null
}
trap restore_settings EXIT
# This database's index files (its oid leads their names), and the one of the taxonomy now
# (named by its version and the transaction that wrote it).
files() { ls "$dir" 2>/dev/null | grep "^skills-$(sql -c "SELECT oid FROM pg_database WHERE datname = '$db'")-" | grep '\.idx$'; }
current_file() { files | grep -- "-$(sql -c "SELECT version || '-' || xmin FROM resonance.kg_version")-f[0-9]*\.idx\$"; }
extract() { sql -c "SELECT string_agg(name, ',' ORDER BY start_pos) FROM resonance_extract_skills('$1')"; }
# The statistics of this test's database (they are kept per database).
this_db="dbid = (SELECT oid FROM pg_database WHERE datname = current_database())"

sql -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
sql -c "SET client_min_messages = warning" -c "CREATE EXTENSION resonance CASCADE" -f sql/sample_data.sql >/dev/null
sql -c "INSERT INTO resonance.kg_skills (name, aliases) VALUES ('forklift operation', '{forklift}'), ('inventory control', '{}')"
text='Forklift operation and inventory control, zeppelin piloting, airship welding'

check "the first use extracts with the taxonomy" "forklift operation,inventory control" "$(extract "$text")"
first=$(files)
check "it wrote one index file for this database" 1 "$(grep -c . <<<"$first")"
inode() { stat -c %i "$dir/$first" 2>/dev/null; }
before=$(inode)
# A new backend: the same rows, read from the same file (its inode is unchanged, and the
# backend's memory maps show it).
mapped=$(sql <<SQL
SELECT count(*) FROM resonance_extract_skills('$text');
SELECT pg_backend_pid() AS pid \gset
\setenv BACKEND :pid
\! grep -c '$first' /proc/\$BACKEND/maps
SQL
)
check "a new backend maps the file instead of building its own" "2 mapped $before" \
  "$(head -1 <<<"$mapped") $([ "$(tail -1 <<<"$mapped")" -gt 0 ] 2>/dev/null && echo mapped) $(inode)"

sql -c "INSERT INTO resonance.kg_skills (name) VALUES ('airship welding')"
check "a taxonomy change is seen by the next extraction" "forklift operation,inventory control,airship welding" "$(extract "$text")"
second=$(files)
check "it wrote a new file and removed the old one" "1 true" "$(grep -c . <<<"$second") $([ "$second" != "$first" ] && echo true)"

# A dropped database leaves its file behind; the next file written anywhere removes it.
sql -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS ${db}_dropped" -c "CREATE DATABASE ${db}_dropped" >/dev/null
sql -d "${db}_dropped" -c "SET client_min_messages = warning" -c "CREATE EXTENSION resonance CASCADE" \
    -c "INSERT INTO resonance.kg_skills (name) VALUES ('pallet jack')" -c "SELECT count(*) FROM resonance_extract_skills('pallet jack')" >/dev/null
dropped_oid=$(sql -c "SELECT oid FROM pg_database WHERE datname = '${db}_dropped'")
had=$(ls "$dir" | grep -c "^skills-$dropped_oid-")
sql -d postgres -c "DROP DATABASE ${db}_dropped" >/dev/null
sql -c "INSERT INTO resonance.kg_skills (name) VALUES ('shelf labelling')" -c "SELECT count(*) FROM resonance_extract_skills('$text')" >/dev/null
check "a dropped database's index file is removed when the next one is written" "1 0" \
  "$had $(ls "$dir" | grep -c "^skills-$dropped_oid-")"

# Rolled back: the index built inside the transaction carries its transaction id, so the
# next committed change, which takes the same version number, is not mistaken for it.
sql -c "BEGIN" -c "INSERT INTO resonance.kg_skills (name) VALUES ('zeppelin piloting')" \
    -c "SELECT count(*) FROM resonance_extract_skills('$text')" -c "ROLLBACK" >/dev/null
sql -c "INSERT INTO resonance.kg_skills (name) VALUES ('pallet counting')"
check "a rolled-back taxonomy change never reaches other backends" \
  "forklift operation,inventory control,airship welding" "$(extract "$text")"

# Stored job skills (jobs.skill_ids, computed on write) give exactly the matches that
# extracting every candidate's text gives; jobs written before the taxonomy changed are
# extracted anew (their skill_ids are stale) until resonance_embed_pending refreshes them.
forklift_job=$(sql -c "INSERT INTO resonance.jobs (title, description, country)
                       VALUES ('Warehouse Associate', 'Forklift operation and inventory control, night shifts.', 'Germany') RETURNING id")
ranked="SELECT string_agg(job_id || ':' || round(final_score::numeric, 5) || ':' || md5(explanation::text), ',' ORDER BY rank)
          FROM resonance.resumes r, resonance_match(r.id)"
stored=$(sql -c "$ranked")
check "a job written now stores its skills" "forklift operation,inventory control" \
  "$(sql -c "SELECT string_agg(s.name, ',' ORDER BY s.name) FROM resonance.jobs j, unnest(j.skill_ids) u JOIN resonance.kg_skills s ON s.id = u
              WHERE j.id = '$forklift_job'")"
sql -c "UPDATE resonance.jobs SET skill_ids = NULL" >/dev/null
check "stored job skills give the matches extraction gives" "$stored" "$(sql -c "$ranked")"
sql -c "UPDATE resonance.jobs SET occupations = NULL" -c "CALL resonance_embed_pending()" >/dev/null
check "resonance_embed_pending stores every job's skills again" "0" "$(sql -c "SELECT count(*) FROM resonance.jobs WHERE skill_ids IS NULL")"

# Damaged: replaced (never truncated in place: backends that map a file would fault).
current=$(current_file)
head -c 100 "$dir/$current" > "$dir/damaged" && chown postgres "$dir/damaged" 2>/dev/null && mv "$dir/damaged" "$dir/$current"
out=$(sql -c "SELECT string_agg(name, ',' ORDER BY start_pos) FROM resonance_extract_skills('$text')")
check "a damaged file is rebuilt with a WARNING" "true forklift operation,inventory control,airship welding" \
  "$(grep -q 'is unusable' <<<"$out" && echo true) $(tail -1 <<<"$out")"
check "the rebuilt file is whole" true "$([ "$(stat -c %s "$dir/$current")" -gt 100 ] && echo true)"

# Unwritable: the backend keeps its own copy and says so.
chmod 500 "$dir"
sql -c "INSERT INTO resonance.kg_skills (name) VALUES ('crate stacking')"
out=$(sql -c "SELECT string_agg(name, ',' ORDER BY start_pos) FROM resonance_extract_skills('crate stacking, $text')")
check "an unwritable index directory gives a WARNING and correct results" \
  "true crate stacking,forklift operation,inventory control,airship welding" \
  "$(grep -q 'could not write the skill index file' <<<"$out" && echo true) $(tail -1 <<<"$out")"
chmod 700 "$dir"

# Statistics need shared memory, which only a preloaded library gets.
out=$(sql -c "SELECT * FROM resonance_stats")
check "without shared_preload_libraries, resonance_stats says what it needs" true \
  "$(grep -q "need the library in shared_preload_libraries" <<<"$out" && echo true)"

# Preloaded: the postmaster loads the base bi-encoder, starts no thread, and backends encode
# exactly what a backend that loads its own copy encodes.
vector=$(sql -c "SELECT resonance_encode('Registered nurse, cardiac ICU')::text")
# The tests' cross-encoder (an untrained head, scripts/make_test_cross_encoder.py; test.sh
# writes it), registered and active: a backend that loads its own copy scores a pair.
models="$(pg_path sharedir)/resonance/models"
[ -f "$models/test-cross-encoder/delta.safetensors" ] || \
  as_postgres python3 scripts/make_test_cross_encoder.py "$models/test-cross-encoder/delta.safetensors" >/dev/null
sql -c "INSERT INTO resonance.ml_models (name, version, model_type, artifact_path, config)
        VALUES ('test-cross-encoder', '1', 'cross_encoder', 'test-cross-encoder', '{\"base\": \"all-minilm-l6-v2\"}')" \
    -c "SELECT resonance_activate_model('test-cross-encoder', '1')" >/dev/null
pair="'Registered nurse, cardiac ICU', ARRAY['ICU nurse, night shifts']"
score=$(sql -c "SELECT (resonance_rerank($pair))[1]")
sql -d postgres -c "LOAD 'resonance'" -c "ALTER SYSTEM SET shared_preload_libraries = 'resonance'" \
    -c "ALTER SYSTEM SET resonance.preload_cross_encoder = 'test-cross-encoder'" >/dev/null
restart
postmaster=$(head -1 "$data/postmaster.pid")
check "with shared_preload_libraries the postmaster preloads the bi-encoder" true \
  "$(tail -50 "$data/server.log" | grep -q 'bi-encoder preloaded' && echo true)"
check "the postmaster has one thread" 1 "$(awk '/^Threads:/ { print $2 }' "/proc/$postmaster/status")"
check "a backend encodes with the inherited model as with its own" t \
  "$(sql -c "SELECT resonance_encode('Registered nurse, cardiac ICU')::text = '$vector'")"
check "with resonance.preload_cross_encoder the postmaster preloads that cross-encoder" true \
  "$(tail -50 "$data/server.log" | grep -q 'cross-encoder preloaded' && echo true)"
check "a backend reranks with the inherited cross-encoder as with its own, loading no model" "$score 0" \
  "$(sql -c "SELECT resonance_stats_reset()" -c "SELECT (resonance_rerank($pair))[1]" \
         -c "SELECT value FROM resonance_stats_counters WHERE name = 'model_loads' AND $this_db" | grep -v '^$' | tail -2 | tr '\n' ' ' | sed 's/ $//')"
sql -c "DELETE FROM resonance.ml_models WHERE name = 'test-cross-encoder'" >/dev/null

# Server-wide statistics: calls and errors per function, stage percentiles, counters.
sql -c "SELECT resonance_stats_reset()" >/dev/null
sql -c "SELECT count(*) FROM resonance_match('00000000-0000-4000-b000-000000000001')" -c "SELECT resonance_encode('')" >/dev/null 2>&1
sql -c "SELECT count(*) FROM resonance_match('00000000-0000-4000-b000-000000000002')" >/dev/null
check "resonance_stats counts calls and errors per function" "resonance_encode 1 1,resonance_match 2 0" \
  "$(sql -c "SELECT string_agg(name || ' ' || calls || ' ' || errors, ',' ORDER BY name) FROM resonance_stats WHERE kind = 'function' AND calls > 0 AND $this_db")"
check "every stage of both matches has P50 <= P95 <= P99" "12 12" \
  "$(sql -c "SELECT count(*) FILTER (WHERE calls = 2) || ' ' || count(*) FILTER (WHERE p50_ms <= p95_ms AND p95_ms <= p99_ms) FROM resonance_stats WHERE kind = 'match_stage' AND $this_db")"
check "counters show the taxonomy version in use" t \
  "$(sql -c "SELECT value = (SELECT version FROM resonance.kg_version) FROM resonance_stats_counters WHERE name = 'kg_version_in_use' AND $this_db")"
sql -c "DROP ROLE IF EXISTS resonance_stats_reader" -c "CREATE ROLE resonance_stats_reader" >/dev/null
check "any role reads the statistics; only superusers reset them" "3 permission denied" \
  "$(sql -c "SET ROLE resonance_stats_reader" -c "SELECT sum(calls) FROM resonance_stats WHERE kind = 'function'") $(
     sql -c "SET ROLE resonance_stats_reader" -c "SELECT resonance_stats_reset()" | grep -o 'permission denied')"
sql -c "SELECT resonance_stats_reset()" >/dev/null
check "resonance_stats_reset() zeroes everything" "0 0" \
  "$(sql -c "SELECT sum(calls) FROM resonance_stats") $(sql -c "SELECT sum(value) FROM resonance_stats_counters WHERE name <> 'kg_version_in_use'")"

# Statistics are kept per database (dbid): a role sees its own database's rows, and other
# databases' only as a member of pg_read_all_stats.
other="${db}_other"
sql -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $other" -c "CREATE DATABASE $other" >/dev/null
sql -d "$other" -c "SET client_min_messages = warning" -c "CREATE EXTENSION resonance CASCADE" -c "SELECT resonance_encode('x')" >/dev/null
sql -c "SELECT resonance_encode('y')" >/dev/null
databases="SELECT count(DISTINCT dbid) || ' ' || coalesce(sum(value) FILTER (WHERE name = 'texts_encoded' AND $this_db), 0) FROM resonance_stats_counters"
check "a superuser sees both databases' statistics, each counted apart" "2 1" "$(sql -c "$databases")"
check "a role without pg_read_all_stats sees only its own database's" "1 1" "$(sql -c "SET ROLE resonance_stats_reader" -c "$databases")"
sql -c "GRANT pg_read_all_stats TO resonance_stats_reader" >/dev/null
check "a member of pg_read_all_stats sees both" "2 1" "$(sql -c "SET ROLE resonance_stats_reader" -c "$databases")"
sql -d postgres -c "DROP DATABASE $other" >/dev/null

# A crash restart zeroes shared memory, and so the statistics: the log says so.
sql -c "SELECT resonance_encode('before the crash')" >/dev/null
sql -c "SELECT pg_sleep(60)" >/dev/null 2>&1 &
sleeper=$!
for _ in $(seq 100); do
  victim=$(sql -c "SELECT pid FROM pg_stat_activity WHERE wait_event = 'PgSleep' AND datname = '$db'")
  [ -n "$victim" ] && break; sleep 0.1
done
kill -9 "$victim"
wait "$sleeper" 2>/dev/null
for _ in $(seq 100); do sql -c "SELECT 1" >/dev/null 2>&1 && break; sleep 0.2; done
check "after a crash restart the statistics start at zero, and the log says why" "0 true" \
  "$(sql -c "SELECT sum(value) FROM resonance_stats_counters WHERE name = 'texts_encoded' AND $this_db") $(
     tail -30 "$data/server.log" | grep -q 'were reset by the restart after a crash' && echo true)"

# A preload that cannot find the model logs it and leaves the server up; backends then
# report the missing file when they need the model.
sql -d postgres -c "ALTER SYSTEM SET resonance.model_dir = '/nonexistent/models'" >/dev/null
restart
check "a preload without model files leaves the server up and logs why" "1 true" \
  "$(sql -c "SELECT 1") $(tail -50 "$data/server.log" | grep -q 'bi-encoder not preloaded' && echo true)"
out=$(sql -c "SELECT resonance_encode('x')")
check "then encode names the missing file" true "$(grep -q 'all-minilm-l6-v2 is missing' <<<"$out" && echo true)" || echo "$out"

finish_checks shared_state
