#!/usr/bin/env bash
# A pg_dump / pg_restore round trip of a database in use: sample jobs and resumes, rows
# still waiting for their embedding (written with resonance.embed_on_write off), a small
# taxonomy, an interaction and a model the user registered. Every row must come back and
# resonance_match must still work. pg_restore runs with search_path = '', which is what
# used to make the embedding trigger fail and leave whole tables empty.
# Prints "ok <check>" / "not ok <check>" lines and "dump_restore: N passed, M failed".
# Usage: scripts/test_dump_restore.sh <port>   (the cluster runs, the extension is installed)
set -uo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
port="${1:?port}"
cd "$here"
source scripts/pg_env.sh
bin="$(pg_path bindir)"
src=resonance_dump_src; dst=resonance_dump_dst
dump="$(mktemp -d)/resonance.dump"
on() { local db="$1"; shift; psql -h /tmp -p "$port" -U postgres -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"; }
source "$(dirname "$0")/checks.sh"
r1=00000000-0000-4000-b000-000000000001
# Row counts of every table a user fills, and how many rows have an embedding.
counts="SELECT concat_ws(' ',
  (SELECT count(*) FROM resonance.jobs), (SELECT count(embedding) FROM resonance.jobs),
  (SELECT count(*) FROM resonance.resumes), (SELECT count(embedding) FROM resonance.resumes),
  (SELECT count(*) FROM resonance.interactions), (SELECT count(*) FROM resonance.kg_skills),
  (SELECT count(*) FROM resonance.kg_skill_relations), (SELECT count(*) FROM resonance.kg_titles),
  (SELECT count(*) FROM resonance.kg_title_skills), (SELECT count(*) FROM resonance.ml_models),
  (SELECT count(*) FROM resonance.ab_test_assignments))"
top3="SELECT string_agg(job_id::text, ',' ORDER BY rank) FROM resonance_match('$r1', '{}', '{\"explain\": false, \"top_k_final\": 3}')"

for db in $src $dst; do on postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"; done
on $src -c "SET client_min_messages = warning" -c "CREATE EXTENSION resonance CASCADE" -c "SET client_min_messages = warning" -f sql/sample_data.sql >/dev/null
on $src >/dev/null <<'SQL'
SET resonance.embed_on_write = off;
INSERT INTO resonance.resumes (text, title) VALUES ('Warehouse associate, forklift certified, 3 years of inventory counts.', 'Warehouse');
INSERT INTO resonance.jobs (title, description) VALUES ('Forklift Operator (Nights)', 'Move pallets, load trucks, count stock.');
RESET resonance.embed_on_write;
INSERT INTO resonance.kg_skills (name, aliases) VALUES ('forklift operation', '{forklift}'), ('inventory control', '{}');
INSERT INTO resonance.kg_skill_relations (source_skill_id, target_skill_id, relation, weight)
  SELECT a.id, b.id, 'RELATED_TO', 0.7 FROM resonance.kg_skills a, resonance.kg_skills b
  WHERE a.name = 'forklift operation' AND b.name = 'inventory control';
INSERT INTO resonance.kg_titles (name, normalized_name, source) VALUES ('Forklift Operator', 'forklift operator', 'test');
INSERT INTO resonance.kg_title_skills (title_id, skill_id) SELECT t.id, s.id FROM resonance.kg_titles t, resonance.kg_skills s;
INSERT INTO resonance.interactions (resume_id, job_id, event)
  VALUES ('00000000-0000-4000-b000-000000000001', '00000000-0000-4000-a000-000000000001', 'applied');
INSERT INTO resonance.ml_models (name, version, model_type, artifact_path, config, is_active)
  VALUES ('user-cross-encoder', '7', 'cross_encoder', 'user-cross-encoder', '{}', false);
SELECT resonance_ab_variant('user-1', 'ranking');
SQL
before=$(on $src -c "$counts")
check "source has pending rows" "t" "$(on $src -c "SELECT count(*) = 2 FROM (SELECT id FROM resonance.jobs WHERE embedding IS NULL UNION ALL SELECT id FROM resonance.resumes WHERE embedding IS NULL) p")"
matches_before=$(on $src -c "$top3")

"$bin/pg_dump" -h /tmp -p "$port" -U postgres -Fc -f "$dump" $src
"$bin/pg_restore" -h /tmp -p "$port" -U postgres -d $dst --exit-on-error "$dump" 2>&1 | tee "$dump.log"
check "pg_restore exits 0" 0 "${PIPESTATUS[0]}"
after=$(on $dst -c "$counts")
# Every row is back; the pending ones were embedded by the trigger during the restore.
expected_after=$(echo "$before" | awk '{ $2 = $1; $4 = $3; print }')
check "every row restored (jobs, resumes, interactions, taxonomy, models, assignments)" "$expected_after" "$after"
check "resonance_match on the restored database" "$matches_before" "$(on $dst -c "$top3")"
check "user-registered model restored once" 1 "$(on $dst -c "SELECT count(*) FROM resonance.ml_models WHERE name = 'user-cross-encoder'")"

# With embed_on_write off for the restore, pending rows stay pending (no model needed).
on postgres -c "DROP DATABASE $dst" -c "CREATE DATABASE $dst"
PGOPTIONS='-c resonance.embed_on_write=off' "$bin/pg_restore" -h /tmp -p "$port" -U postgres -d $dst --exit-on-error "$dump"
check "restore with embed_on_write off keeps pending rows pending" "$before" "$(on $dst -c "$counts")"

for db in $src $dst; do on postgres -c "DROP DATABASE IF EXISTS $db"; done
rm -rf "$(dirname "$dump")"
finish_checks dump_restore
