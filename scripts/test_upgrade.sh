#!/usr/bin/env bash
# ALTER EXTENSION resonance UPDATE from every earlier release kept in tests/upgrade/:
# install that release's SQL, load data with it, update, and check that the data is intact,
# that matching works, and that the updated schema equals a fresh install's, object by
# object (tests/upgrade/describe_extension.sql).
# Prints "ok <check>" / "not ok <check>" lines and "upgrade: N passed, M failed".
# Usage: scripts/test_upgrade.sh <port>   (the cluster runs, the current release is installed)
set -uo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
port="${1:?port}"
cd "$here"
source scripts/pg_env.sh
extdir="$(pg_path sharedir)/extension"
on() { local db="$1"; shift; psql -h /tmp -p "$port" -U postgres -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"; }
source "$(dirname "$0")/checks.sh"
r1=00000000-0000-4000-b000-000000000001
current=$(sed -n "s/^default_version = '\(.*\)'/\1/p" "$extdir/resonance.control")
fresh=resonance_upgrade_fresh
on postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $fresh" -c "CREATE DATABASE $fresh"
on $fresh -c "SET client_min_messages = warning" -c "CREATE EXTENSION resonance CASCADE"
on $fresh -f tests/upgrade/describe_extension.sql > /tmp/resonance-schema-fresh.txt

for old_sql in tests/upgrade/resonance--*.sql; do
  old=$(basename "$old_sql" .sql); old=${old#resonance--}
  db=resonance_upgrade_${old//./_}
  cp "$old_sql" "$extdir/"
  on postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
  on $db -c "CREATE EXTENSION vector" -c "CREATE EXTENSION resonance VERSION '$old'"
  on $db -c "SET client_min_messages = warning" -f sql/sample_data.sql >/dev/null
  # A zero embedding stored while 0.1.0 allowed it: the update re-queues it for embedding.
  if [ "$old" = 0.1.0 ]; then
    on $db -c "UPDATE resonance.jobs SET embedding = array_fill(0, ARRAY[384])::real[]::vector WHERE id = '00000000-0000-4000-a000-000000000040'"
  fi
  before=$(on $db -c "SELECT count(*), sum(length(description)) FROM resonance.jobs" -c "SELECT count(*) FROM resonance.resumes")
  on $db -c "ALTER EXTENSION resonance UPDATE"
  check "$old -> $current: version after update" "$current" "$(on $db -c "SELECT extversion FROM pg_extension WHERE extname = 'resonance'")"
  check "$old -> $current: rows kept" "$before" "$(on $db -c "SELECT count(*), sum(length(description)) FROM resonance.jobs" -c "SELECT count(*) FROM resonance.resumes")"
  if [ "$old" = 0.1.0 ]; then
    check "$old -> $current: the zero embedding is pending again" "" \
      "$(on $db -c "SELECT embedding FROM resonance.jobs WHERE id = '00000000-0000-4000-a000-000000000040'")"
  fi
  on $db -c "CALL resonance_embed_pending()" >/dev/null 2>&1
  check "$old -> $current: resonance_match returns 25 rows" 25 "$(on $db -c "SELECT count(*) FROM resonance_match('$r1')")"
  on $db -f tests/upgrade/describe_extension.sql > "/tmp/resonance-schema-$old.txt"
  if diff -u /tmp/resonance-schema-fresh.txt "/tmp/resonance-schema-$old.txt" > "/tmp/resonance-schema-$old.diff"; then
    check "$old -> $current: schema equals a fresh install" same same
  else
    head -40 "/tmp/resonance-schema-$old.diff"
    check "$old -> $current: schema equals a fresh install" same "different (/tmp/resonance-schema-$old.diff)"
  fi
  on postgres -c "DROP DATABASE $db"
done
on postgres -c "DROP DATABASE $fresh"
finish_checks upgrade
