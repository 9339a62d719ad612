#!/usr/bin/env bash
# resonance_match on a real hot standby: the primary fills the cross-encoder score cache
# (resonance_rerank_precompute), pg_basebackup -R makes a streaming standby, and the
# standby matches with the cached scores, computes what is missing without writing, and
# never uses a score made stale by an UPDATE replayed from the primary; a replayed taxonomy
# change gets its skill index file built on the standby.
# Prints "ok <check>" / "not ok <check>" lines and "standby: N passed, M failed".
# Usage: scripts/test_standby.sh <primary_port> <standby_port>  (the primary cluster runs,
#        the extension is installed; the standby's data dir is recreated)
set -uo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
primary="${1:?primary port}"; standby="${2:?standby port}"
source "$here/scripts/pg_env.sh"
bin="$(pg_path bindir)"
db=resonance_standby
data="/tmp/resonance-pg-$standby"
cd "$here"
as_postgres() { if [ "$(id -un)" = postgres ]; then "$@"; else sudo -u postgres "$@"; fi; }
on() { local port="$1"; shift; psql -h /tmp -p "$port" -U postgres -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"; }
source "$(dirname "$0")/checks.sh"
r1=00000000-0000-4000-b000-000000000001
budget0='{"explain": false, "rerank_budget_ms": 0, "top_k_final": 40}'

python3 scripts/make_test_cross_encoder.py "$(pg_path sharedir)/resonance/models/test-cross-encoder/delta.safetensors"
psql -h /tmp -p "$primary" -U postgres -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
on "$primary" -c "CREATE EXTENSION resonance CASCADE" -c "SET client_min_messages = warning" -f sql/sample_data.sql >/dev/null
on "$primary" -c "INSERT INTO resonance.ml_models (name, version, model_type, artifact_path, config, is_active)
                  VALUES ('test-cross-encoder', '1', 'cross_encoder', 'test-cross-encoder', '{\"base\": \"all-minilm-l6-v2\"}', true)"
on "$primary" -c "SET client_min_messages = warning" -c "CALL resonance_rerank_precompute()"
primary_scores=$(on "$primary" -c "SELECT string_agg(job_id || '=' || cross_encoder_score, ',' ORDER BY job_id) FROM resonance_match('$r1', '{}', '$budget0')")

as_postgres "$bin/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1; rm -rf "$data"
install -d -o postgres -g postgres -m 700 "$data"
as_postgres "$bin/pg_basebackup" -h /tmp -p "$primary" -U postgres -D "$data" -R -X stream -c fast
echo "port = $standby" | as_postgres tee -a "$data/postgresql.conf" >/dev/null
as_postgres "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w start >/dev/null

check "standby is in recovery" t "$(on "$standby" -c "SELECT pg_is_in_recovery()")"
check "standby uses the primary's cached scores" "$primary_scores" \
  "$(on "$standby" -c "SELECT string_agg(job_id || '=' || cross_encoder_score, ',' ORDER BY job_id) FROM resonance_match('$r1', '{}', '$budget0')")"

# A job edited on the primary (no match run there since): the standby sees the change by
# replay, does not use the stale score, computes the new one and writes nothing.
job=$(on "$primary" -c "SELECT job_id FROM resonance_match('$r1', '{}', '{\"explain\": false}') ORDER BY rank LIMIT 1")
on "$primary" -c "UPDATE resonance.jobs SET description = 'Night shift warehouse forklift driver.' WHERE id = '$job'"
lsn=$(on "$primary" -c "SELECT pg_current_wal_lsn()")
for _ in $(seq 50); do
  [ "$(on "$standby" -c "SELECT pg_last_wal_replay_lsn() >= '$lsn'")" = t ] && break; sleep 0.2
done
check "stale score not used on the standby (budget 0)" t \
  "$(on "$standby" -c "SELECT cross_encoder_score IS NULL FROM resonance_match('$r1', '{}', '$budget0') WHERE job_id = '$job'")"
check "standby computes the missing score, stores nothing" '{"hits": 39, "stored": null, "computed": 1}' \
  "$(on "$standby" -c "SELECT count(*) FROM resonance_match('$r1', '{}', '{\"explain\": false}')" \
                   -c "SELECT resonance_last_match_stats()->'stages'->'rerank_cache'" | tail -1)"
# A taxonomy change replayed from the primary: the standby builds the skill index file for
# it in its own data directory (it writes no WAL, only that cache file) and extracts with it.
on "$primary" -c "INSERT INTO resonance.kg_skills (name, aliases) VALUES ('forklift operation', '{forklift}')"
lsn=$(on "$primary" -c "SELECT pg_current_wal_lsn()")
for _ in $(seq 50); do
  [ "$(on "$standby" -c "SELECT pg_last_wal_replay_lsn() >= '$lsn'")" = t ] && break; sleep 0.2
done
check "standby extracts with the replayed taxonomy" "forklift operation" \
  "$(on "$standby" -c "SELECT string_agg(name, ',') FROM resonance_extract_skills('Forklift driver, nights')")"
stamp=$(on "$standby" -c "SELECT version || '-' || xmin FROM resonance.kg_version")
check "standby wrote its own skill index file for that taxonomy" 1 \
  "$(ls "$data/resonance" 2>/dev/null | grep -c -- "-$stamp-f[0-9]*\.idx\$")"
check "precompute refuses to run on a standby" "resonance_rerank_precompute: this server is a hot standby; run it on the primary" \
  "$(on "$standby" -c "CALL resonance_rerank_precompute()" 2>&1 | sed -n 's/^ERROR: *//p')"

as_postgres "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null
rm -rf "$data"
psql -h /tmp -p "$primary" -U postgres -X -q -d postgres -c "DROP DATABASE IF EXISTS $db"
finish_checks standby
