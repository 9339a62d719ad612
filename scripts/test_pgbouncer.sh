#!/usr/bin/env bash
# Resonance behind PgBouncer in transaction mode (issue 15). In that mode a client holds a
# backend only for one transaction, so its next statement may run on another backend, and
# anything a backend keeps between transactions is shared by whichever clients it serves.
# Checked over the pooled connection: resonance_match (filters and options), resonance_encode,
# embed-on-write (embedding and occupations filled by the trigger), settings passed per call
# (options, SET LOCAL), per-backend caches seeing a taxonomy change made through another
# backend; and what is session-only: resonance_last_match_stats() is right inside the
# match's transaction, not after it, and a plain SET stays on one backend (README,
# "Deployment: poolers and replicas").
# Prints "ok <check>" / "not ok <check>" lines and "pgbouncer: N passed, M failed".
# Usage: scripts/test_pgbouncer.sh <port>   (the cluster runs, the extension is installed;
#        PgBouncer listens on RESONANCE_PGBOUNCER_PORT, default 6451, and is stopped at the end)
set -uo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
port="${1:?port}"
bouncer_port="${RESONANCE_PGBOUNCER_PORT:-6451}"
cd "$here" || exit 1
source scripts/pg_env.sh
db=resonance_pgbouncer
# Every backend the pool may open; the checks that need several backends count on these.
pool_size=4
as_postgres() { if [ "$(id -un)" = postgres ]; then "$@"; else sudo -u postgres "$@"; fi; }
direct() { psql -h /tmp -p "$port" -U postgres -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"; }
pooled() { psql -h 127.0.0.1 -p "$bouncer_port" -U postgres -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"; }
admin() { psql -h 127.0.0.1 -p "$bouncer_port" -U postgres -X -q -At -d pgbouncer "$@"; }
# repeat_sql <n> <sql>: psql arguments running <sql> n times, each statement its own transaction.
repeat_sql() { local i; stmts=(); for ((i = 0; i < $1; i++)); do stmts+=(-c "$2"); done; }
source scripts/checks.sh
r1=00000000-0000-4000-b000-000000000001

[ -x /usr/sbin/pgbouncer ] || { echo "not ok pgbouncer installed: /usr/sbin/pgbouncer is missing (scripts/setup.sh installs it)"; finish_checks pgbouncer; exit 1; }

# PgBouncer's files live in a directory of their own, owned by postgres, which runs it.
conf_dir="$(mktemp -d /tmp/resonance-pgbouncer-XXXXXX)"
chown postgres "$conf_dir" 2>/dev/null || true
stop_bouncer() {
  if [ -f "$conf_dir/pgbouncer.pid" ]; then kill "$(cat "$conf_dir/pgbouncer.pid")" 2>/dev/null; sleep 0.5; fi
  rm -rf "$conf_dir"
}
trap stop_bouncer EXIT
# auth_type = any: the pool logs in as the user the [databases] line names, over the
# cluster's trust socket; nothing here is a password. server_round_robin = 1 hands a
# client's consecutive transactions to the idle backends in turn instead of reusing the
# last one (LIFO), so what depends on landing on another backend happens every run, not
# only under load. ignore_startup_parameters: pgbench and psql may send extra_float_digits.
cat > "$conf_dir/pgbouncer.ini" <<CONF
[databases]
$db = host=/tmp port=$port dbname=$db user=postgres pool_size=$pool_size

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $bouncer_port
unix_socket_dir =
auth_type = any
pool_mode = transaction
server_round_robin = 1
max_client_conn = 50
admin_users = postgres
ignore_startup_parameters = extra_float_digits
logfile = $conf_dir/pgbouncer.log
pidfile = $conf_dir/pgbouncer.pid
CONF
chown postgres "$conf_dir/pgbouncer.ini" 2>/dev/null || true

direct -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
direct -c "SET client_min_messages = warning" -c "CREATE EXTENSION resonance CASCADE" -c "SET client_min_messages = warning" -f sql/sample_data.sql >/dev/null

as_postgres /usr/sbin/pgbouncer -d -q "$conf_dir/pgbouncer.ini"
for _ in $(seq 50); do pooled -c "SELECT 1" >/dev/null 2>&1 && break; sleep 0.2; done
check "pgbouncer runs in transaction mode" transaction \
  "$(admin -c "SHOW CONFIG" | awk -F'|' '$1 == "pool_mode" { print $2 }')"

# A pgbench script: one match of a random sample resume (1..8).
match_script="$conf_dir/match.sql"
cat > "$match_script" <<'SQL'
\set r random(1, 8)
SELECT count(*) FROM resonance_match(('00000000-0000-4000-b000-' || lpad(:r::text, 12, '0'))::uuid, '{}', '{"explain": false}');
SQL
# load <clients> <seconds> <log>: matches through the pool from parallel clients, which makes
# the pool open its backends (each loads the model and the skill index once).
load() { pgbench -h 127.0.0.1 -p "$bouncer_port" -U postgres -n -c "$1" -j 1 -T "$2" -f "$match_script" "$db" > "$3" 2>&1; }
load "$pool_size" 4 "$conf_dir/warmup.txt"
check "parallel pooled clients match without a failed transaction" "0" \
  "$(awk '/^number of failed transactions/ { print $5 } /^number of transactions actually processed/ { if ($NF + 0 == 0) print "none processed" }' "$conf_dir/warmup.txt" | tr '\n' ' ' | sed 's/ $//')"
# Several autocommit statements of one client: on more than one backend, or this is not
# the setting the rest of the checks are about.
repeat_sql "$pool_size" "SELECT pg_backend_pid()"
check "one client's consecutive transactions run on several backends" "$pool_size" "$(pooled "${stmts[@]}" | sort -u | wc -l)"

# The same calls give the same rows pooled and direct.
filtered="SELECT string_agg(job_id || ' ' || rank || ' ' || (explanation IS NULL), ',' ORDER BY rank)
          FROM resonance_match('$r1', '{\"country\": \"Germany\", \"remote_only\": false}', '{\"top_k_final\": 3, \"explain\": false}')"
check "resonance_match with filters and options: pooled = direct" "$(direct -c "$filtered")" "$(pooled -c "$filtered")"
check "filters and options applied over the pool (3 rows, all in Germany, no explanation)" "3 true true" \
  "$(pooled -c "SELECT count(*) || ' ' || bool_and(j.country = 'Germany') || ' ' || bool_and(m.explanation IS NULL)
                FROM resonance_match('$r1', '{\"country\": \"Germany\"}', '{\"top_k_final\": 3, \"explain\": false}') m
                JOIN resonance.jobs j ON j.id = m.job_id")"
check "resonance_match default options return 25 ranked rows with explanations" "25 25" \
  "$(pooled -c "SELECT count(*) || ' ' || count(explanation) FROM resonance_match('$r1')")"
encode="SELECT resonance_encode('Senior Python developer')::text"
check "resonance_encode: pooled = direct" "$(direct -c "$encode")" "$(pooled -c "$encode")"

# A tiny taxonomy written through the pool, after every backend built its caches from the
# empty one: kg_version makes each backend rebuild, whichever backend wrote the change.
pooled >/dev/null <<'SQL'
INSERT INTO resonance.kg_skills (name, aliases) VALUES ('forklift operation', '{forklift}'), ('inventory control', '{}');
INSERT INTO resonance.kg_titles (name, normalized_name, source) VALUES ('Forklift Operator', 'forklift operator', 'test');
INSERT INTO resonance.kg_title_skills (title_id, skill_id) SELECT t.id, s.id FROM resonance.kg_titles t, resonance.kg_skills s;
INSERT INTO resonance.kg_title_labels (title_id, label, embedding) SELECT id, name, resonance_encode(name) FROM resonance.kg_titles;
SQL
repeat_sql "$pool_size" "SELECT pg_backend_pid() || ' ' || (resonance_infer_occupations('Forklift Operator', '')->0->>'occupation')"
inferred=$(pooled "${stmts[@]}")
check "every pooled backend sees the taxonomy change" "$pool_size backends: Forklift Operator" \
  "$(cut -d' ' -f1 <<<"$inferred" | sort -u | wc -l) backends: $(cut -d' ' -f2- <<<"$inferred" | sort -u | paste -sd,)"

# Embed-on-write through the pool: the trigger fills the embedding and the occupations.
check "INSERT embeds the job and infers its occupation (trigger, pooled)" "true Forklift Operator" \
  "$(pooled -c "INSERT INTO resonance.jobs (title, description, country) VALUES ('Forklift Operator (Nights)',
                  'Move pallets, load trucks, count stock. Forklift certificate required.', 'Germany')
                RETURNING (embedding IS NOT NULL) || ' ' || (occupations->0->>'occupation')")"
check "the new job is matched over the pool" 1 \
  "$(pooled -c "SELECT count(*) FROM resonance_match('$r1', '{\"country\": \"Germany\"}', '{\"top_k_final\": 40, \"explain\": false}') m
                JOIN resonance.jobs j ON j.id = m.job_id WHERE j.title = 'Forklift Operator (Nights)'")"

# Settings per transaction: SET LOCAL inside BEGIN ... COMMIT runs on one backend and ends
# with the transaction. max_seq_length = 8 changes the embedding of a long text.
long="'Senior Python developer with ten years of Django, PostgreSQL, Celery and Redis in production'"
short8=$(direct -c "SET resonance.max_seq_length = 8" -c "SELECT resonance_encode($long)::text")
check "max_seq_length 8 changes the embedding (the check below can tell)" f \
  "$(direct -c "SELECT resonance_encode($long)::text = '$short8'")"
check "SET LOCAL resonance.max_seq_length applies inside the transaction" t \
  "$(pooled -c "BEGIN" -c "SET LOCAL resonance.max_seq_length = 8" -c "SELECT resonance_encode($long)::text = '$short8'" -c "COMMIT")"
check "SET LOCAL resonance.embed_on_write = off leaves the row pending" "f" \
  "$(pooled -c "BEGIN" -c "SET LOCAL resonance.embed_on_write = off" \
            -c "INSERT INTO resonance.jobs (title, description) VALUES ('Pending Clerk', 'Files pending records.') RETURNING embedding IS NOT NULL" -c "COMMIT")"
repeat_sql "$pool_size" "SHOW resonance.max_seq_length"
check "after SET LOCAL, no backend keeps the setting" 256 "$(pooled "${stmts[@]}" | sort -u | paste -sd' ')"

# resonance_last_match_stats() is per backend. Inside the match's transaction it is that
# match's, even while other clients match other resumes on the other backends.
load 3 8 "$conf_dir/background.txt" &
bg=$!
sleep 1
right=0
for _ in 1 2 3 4 5; do
  got=$(pooled -c "BEGIN" -c "SELECT count(*) FROM resonance_match('$r1', '{}', '{\"top_k_final\": 7, \"explain\": false}')" \
               -c "SELECT (resonance_last_match_stats()->>'resume_id') || ' ' || (resonance_last_match_stats()->>'returned')" -c "COMMIT" | tail -1)
  [ "$got" = "$r1 7" ] && right=$((right + 1))
done
wait "$bg"
check "last_match_stats inside the match's transaction, 5 tries under parallel load" 5 "$right"
# In the next transaction (autocommit, the usual pooled client) it is read on another backend.
check "last_match_stats after the transaction is read on another backend (session-only)" "another backend" \
  "$(pooled -c "SELECT pg_backend_pid() FROM (SELECT count(*) FROM resonance_match('$r1', '{}', '{\"explain\": false}')) m" \
            -c "SELECT pg_backend_pid()" | sort -u | awk 'END { print (NR > 1 ? "another backend" : "same backend") }')"

# A plain SET stays on the backend that ran it: the client's next transactions mostly run
# without it, and another client's may run with it (README: use options or SET LOCAL).
repeat_sql "$pool_size" "SHOW resonance.max_seq_length"
check "plain SET: the client's next transactions see both values (session-only)" "256 8" \
  "$(pooled -c "SET resonance.max_seq_length = 8" "${stmts[@]}" | sort -u | paste -sd' ')"
check "plain SET: another client's transaction runs with it" 8 "$(pooled "${stmts[@]}" | sort -u | grep -x 8)"

stop_bouncer; trap - EXIT
direct -d postgres -c "DROP DATABASE IF EXISTS $db"
finish_checks pgbouncer
