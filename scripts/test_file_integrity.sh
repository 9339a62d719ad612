#!/usr/bin/env bash
# No silent wrong answers from damaged files or a partial view of the taxonomy (README,
# "Memory" and "Models"):
# (a) random bytes written into a skill index file under $PGDATA/resonance (its header, its
#     middle, its section table): the next backend warns that the file is unusable (its
#     checksum), rebuilds it and answers exactly as before; never an XX000;
# (b) a registered projection copied into a scratch resonance.model_dir and damaged (NaN
#     bytes, same size): resonance_match is an ERROR XX001 naming the model, the file and both
#     sha256s; with no sha256 recorded, the NaN fused score is an ERROR XX001 naming the
#     model, never a NaN final_score; an undamaged copy matches as the installed one does;
# (c) row-level security on resonance.kg_skills hiding one skill from one role: that role
#     gets ERROR 42501 (whether it would build the index file or use one built already, or is
#     SET in a backend that has the index open); the superuser's extraction still finds the
#     hidden skill, and nothing the restricted role does changes it; RLS on another kg_*
#     table is named; a BYPASSRLS role extracts the whole taxonomy.
# Prints "ok <check>" / "not ok <check>" lines and "file_integrity: N passed, M failed".
# Usage: scripts/test_file_integrity.sh <port>  (the cluster runs with its data directory
#        at /tmp/resonance-pg-<port>, as scripts/cluster.sh makes it; the extension and the
#        models are installed; run as root or postgres)
set -uo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
port="${1:?port}"
cd "$here" || exit 1
source scripts/pg_env.sh
source scripts/checks.sh
db=resonance_file_integrity
reader=resonance_rls_reader
data="/tmp/resonance-pg-$port"
dir="$data/resonance"
scratch_models="/tmp/resonance-file-integrity-models-$port"
as_postgres() { if [ "$(id -un)" = postgres ]; then "$@"; else sudo -u postgres "$@"; fi; }
# VERBOSITY verbose: errors and warnings show their SQLSTATE ("ERROR:  42501: ...").
sql() { psql -h /tmp -p "$port" -U postgres -X -q -At -v VERBOSITY=verbose -d "$db" "$@" 2>&1; }
cleanup() {
  sql -c "SET client_min_messages = warning" -c "DROP OWNED BY $reader" -c "DROP ROLE IF EXISTS $reader" >/dev/null
  rm -rf "$scratch_models"
}
trap cleanup EXIT
files() { ls "$dir" 2>/dev/null | grep "^skills-$(sql -c "SELECT oid FROM pg_database WHERE datname = '$db'")-" | grep '\.idx$'; }
current_file() { files | grep -- "-$(sql -c "SELECT version || '-' || xmin FROM resonance.kg_version")-f[0-9]*\.idx\$"; }
text='Python and Django developer: PostgreSQL, Docker, Kubernetes, forklift operation and inventory control'
extract_sql="SELECT string_agg(name, ',' ORDER BY start_pos) FROM resonance_extract_skills('$text')"
ranked_sql="SELECT string_agg(job_id || ':' || round(final_score::numeric, 6) || ':' || md5(explanation::text), ',' ORDER BY rank)
              FROM resonance_match('00000000-0000-4000-b000-000000000001')"
# The lines of $1 that are neither warnings nor their detail (the query's result).
result() { grep -v -E '^(WARNING|DETAIL|HINT|LOCATION|CONTEXT|LOG|NOTICE):' <<<"$1"; }
has() { grep -q -- "$2" <<<"$1" && echo true; }
lacks() { grep -q -E -- "$2" <<<"$1" || echo true; }

sql -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
sql -c "SET client_min_messages = warning" -c "CREATE EXTENSION resonance CASCADE" -f sql/sample_data.sql >/dev/null
sql -c "INSERT INTO resonance.kg_skills (name, aliases) VALUES ('Python', '{}'), ('Django', '{}'), ('PostgreSQL', '{postgres}'),
          ('Docker', '{}'), ('Kubernetes', '{k8s}'), ('forklift operation', '{forklift}'), ('inventory control', '{}'), ('Celery', '{}')" \
    -c "INSERT INTO resonance.kg_skill_relations (source_skill_id, target_skill_id, relation, weight)
          SELECT a.id, b.id, 'related_to', 0.8 FROM resonance.kg_skills a, resonance.kg_skills b
           WHERE (a.name, b.name) IN (('Django', 'Python'), ('Celery', 'Python'), ('Kubernetes', 'Docker'))" >/dev/null

# (a) Damaged skill index files.
extracted=$(result "$(sql -c "$extract_sql")")
ranked=$(result "$(sql -c "$ranked_sql")")
check "the sample taxonomy extracts and matches" "Python,Django,PostgreSQL,Docker,Kubernetes,forklift operation,inventory control true" \
  "$extracted $([ "$(tr ',' '\n' <<<"$ranked" | grep -c .)" -ge 10 ] && echo true)"
file=$(current_file)
size=$(stat -c %s "$dir/$file" 2>/dev/null || echo 0)
check "the index file is there" true "$([ "$size" -gt 1000 ] && echo true)"
for where in header middle table; do
  case $where in
    header) at=9 ;;
    middle) at=$((size / 2)) ;;
    table) at=$((size - 200)) ;;
  esac
  # Written into a copy that replaces the file, as a disk would leave it for the next
  # backend (in place, a backend that maps the file would see its pages change).
  cp "$dir/$file" "$dir/damaged" && head -c 64 /dev/urandom | dd of="$dir/damaged" bs=1 seek="$at" conv=notrunc status=none
  chown postgres "$dir/damaged" 2>/dev/null; mv "$dir/damaged" "$dir/$file"
  out=$(sql -c "$extract_sql" -c "$ranked_sql")
  check "random bytes in the index file's $where: a WARNING names the file, its checksum and the rebuild" "true true true" \
    "$(has "$out" "WARNING:  01000: resonance: the skill index file $dir/$file is unusable") $(has "$out" 'checksum does not match') $(has "$out" 'rebuilding it')"
  check "random bytes in the index file's $where: the same skills and matches as before, no XX000" "$extracted
$ranked true" "$(result "$out") $(lacks "$out" 'XX000|panicked|ERROR')"
  out=$(sql -c "$extract_sql")
  check "random bytes in the index file's $where: the rebuilt file opens without a WARNING" "true $extracted" \
    "$(lacks "$out" 'WARNING') $(result "$out")"
done

# (b) A damaged model file: the registered projection, copied to a scratch model directory
# (the base model linked beside it) and activated inside a transaction that rolls back.
models="$(pg_path sharedir)/resonance/models"
projection="$scratch_models/resonance-bi-projection/projection.safetensors"
rm -rf "$scratch_models"; mkdir -p "$scratch_models/resonance-bi-projection"
ln -s "$models/all-minilm-l6-v2" "$scratch_models/all-minilm-l6-v2"
cp "$models/resonance-bi-projection/projection.safetensors" "$projection"
chown -R postgres "$scratch_models" 2>/dev/null
recorded=$(sql -c "SELECT config->>'sha256' FROM resonance.ml_models WHERE name = 'resonance-bi-projection'")
with_projection() {
  sql -c "SET resonance.model_dir = '$scratch_models'" -c "BEGIN" \
      -c "SELECT resonance_activate_model('resonance-bi-projection', '2')" "$@" -c "$ranked_sql" -c "ROLLBACK"
}
installed=$(result "$(sql -c "BEGIN" -c "SELECT resonance_activate_model('resonance-bi-projection', '2')" -c "$ranked_sql" -c "ROLLBACK")")
copied=$(result "$(with_projection)")
check "an undamaged copy of the projection matches as the installed one does" "true $installed" \
  "$([ -n "$installed" ] && echo true) $copied"
size=$(stat -c %s "$projection")
# 0xff bytes are NaN as f32: the file keeps its size and its header, only values change.
head -c 4096 /dev/zero | tr '\0' '\377' | dd of="$projection" bs=1 seek=$((size / 2)) conv=notrunc status=none
found=$(sha256sum "$projection" | cut -d' ' -f1)
check "the damaged projection has its size" "$size" "$(stat -c %s "$projection")"
out=$(with_projection)
check "a projection whose sha256 is not config.sha256: ERROR XX001 naming the model, the file and both hashes" \
  "true true true true true" \
  "$(has "$out" 'ERROR:  XX001: resonance: model resonance-bi-projection@2') $(has "$out" "$projection") $(has "$out" "$found") $(has "$out" "records $recorded") $(has "$out" 'HINT:  Reinstall')"
check "a damaged projection returns no score, NaN or other" true "$(lacks "$out" 'NaN|^00000000-')"
out=$(with_projection -c "UPDATE resonance.ml_models SET config = config - 'sha256' WHERE name = 'resonance-bi-projection'")
check "with no sha256 recorded, the NaN fused score is an ERROR XX001 naming the model, never a result" "true true true" \
  "$(has "$out" 'ERROR:  XX001: resonance: a score is not finite') $(has "$out" 'model resonance-bi-projection@2') $(lacks "$out" '^00000000-')"
check "a row recording no sha256 is logged as used unverified" true \
  "$(tail -200 "$data/server.log" 2>/dev/null | grep -q 'resonance-bi-projection@2 records no sha256' && echo true)"

# (c) Row-level security on kg_skills: one skill hidden from one role.
sql -c "SET client_min_messages = warning" -c "DROP OWNED BY $reader" -c "DROP ROLE IF EXISTS $reader" >/dev/null 2>&1
sql -c "CREATE ROLE $reader" -c "GRANT USAGE ON SCHEMA resonance TO $reader" \
    -c "GRANT SELECT ON ALL TABLES IN SCHEMA resonance TO $reader" \
    -c "ALTER TABLE resonance.kg_skills ENABLE ROW LEVEL SECURITY" \
    -c "CREATE POLICY everyone ON resonance.kg_skills USING (true)" \
    -c "CREATE POLICY hide_inventory ON resonance.kg_skills AS RESTRICTIVE TO $reader USING (name <> 'inventory control')" >/dev/null
check "the policy hides the skill from the role, not from the superuser" "7 8" \
  "$(sql -c "SET ROLE $reader" -c "SELECT count(*) FROM resonance.kg_skills") $(sql -c "SELECT count(*) FROM resonance.kg_skills")"
# A new taxonomy version: no index file yet, so the restricted role would be its builder.
sql -c "INSERT INTO resonance.kg_skills (name) VALUES ('pallet jack')" >/dev/null
as_reader() { sql -c "SET ROLE $reader" "$@"; }
out=$(as_reader -c "$extract_sql")
check "the restricted role, first after a taxonomy change: ERROR 42501 naming the table, with DETAIL and HINT" "true true true" \
  "$(has "$out" "ERROR:  42501: resonance: row-level security is active on resonance.kg_skills for role $reader") $(has "$out" 'DETAIL:  The skill index is built from the whole taxonomy') $(has "$out" 'HINT:  Disable row-level security')"
check "the restricted role wrote no index file" "" "$(current_file)"
superuser=$(sql -c "$extract_sql")
check "the superuser's extraction finds the hidden skill" "$extracted" "$(result "$superuser")"
built=$(current_file)
inode=$(stat -c %i "$dir/$built" 2>/dev/null)
out=$(as_reader -c "$extract_sql")
check "the restricted role, with the index file built: ERROR 42501, not the hidden skill" "true true" \
  "$(has "$out" 'ERROR:  42501: resonance: row-level security') $(lacks "$out" 'inventory control')"
out=$(as_reader -c "SELECT count(*) FROM resonance_match('00000000-0000-4000-b000-000000000001')")
check "the restricted role's resonance_match: ERROR 42501" true "$(has "$out" 'ERROR:  42501: resonance: row-level security')"
out=$(sql -c "$extract_sql" -c "SET ROLE $reader" -c "$extract_sql")
check "a role SET in a backend that has the index open: ERROR 42501" "true $extracted" \
  "$(has "$out" 'ERROR:  42501: resonance: row-level security') $(head -1 <<<"$(result "$out")")"
check "nothing the restricted role did changed what the superuser extracts, nor the file" "$extracted $inode" \
  "$(result "$(sql -c "$extract_sql")") $(stat -c %i "$dir/$built" 2>/dev/null)"
sql -c "ALTER ROLE $reader BYPASSRLS" >/dev/null
check "a role with BYPASSRLS extracts the whole taxonomy" "$extracted" "$(result "$(as_reader -c "$extract_sql")")"
sql -c "ALTER ROLE $reader NOBYPASSRLS" -c "ALTER TABLE resonance.kg_skills DISABLE ROW LEVEL SECURITY" \
    -c "ALTER TABLE resonance.kg_skill_relations ENABLE ROW LEVEL SECURITY" \
    -c "CREATE POLICY everyone ON resonance.kg_skill_relations USING (true)" >/dev/null
out=$(as_reader -c "$extract_sql")
check "row-level security on another kg_* table is refused, naming it" true \
  "$(has "$out" 'ERROR:  42501: resonance: row-level security is active on resonance.kg_skill_relations')"
sql -c "ALTER TABLE resonance.kg_skill_relations DISABLE ROW LEVEL SECURITY" >/dev/null
check "without row-level security the role extracts as the superuser does" "$extracted" "$(result "$(as_reader -c "$extract_sql")")"

finish_checks file_integrity
