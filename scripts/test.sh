#!/usr/bin/env bash
# Every test: engine tests with cargo (real model files), the SQL tests with PostgreSQL's
# own pg_regress against a throwaway cluster run as the postgres user, then the checks that
# need whole clusters (hot standby, dump and restore, upgrade, PgBouncer, the HTTP service
# and its clients, fuzz).
# Ends with one line "resonance: N passed, N failed"; exits non-zero if anything failed,
# including a test program that stopped before it could report (a crash, an abort).
set -uo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
port="${RESONANCE_TEST_PORT:-55433}"
export PATH="$HOME/.cargo/bin:$PATH"
cd "$here"
start=$(date +%s)

bash scripts/setup.sh || { echo "resonance: 0 passed, 1 failed (setup)"; exit 1; }
source scripts/pg_env.sh

source scripts/test_counts.sh
passed=0; failed=0
add() { passed=$((passed + $1)); failed=$((failed + $2)); } # add <passed> <failed>
log_dir=/tmp/resonance-test-logs
rm -rf "$log_dir"; mkdir -p "$log_dir"

# run_checks <name> <command...>: a program printing "ok ..." / "not ok ..." lines.
run_checks() {
  local name="$1"; shift
  echo "== $name"
  "$@" 2>&1 | tee "$log_dir/$name.txt"
  local status=${PIPESTATUS[0]}
  add $(check_counts "$log_dir/$name.txt" "$status")
}

run_checks test_counts bash scripts/test_counts_check.sh

echo "== engine tests (cargo test, no Postgres)"
cargo test -p resonance-engine -p resonance-offline 2>&1 | tee "$log_dir/cargo.txt" | grep -E '^(test |test result|error|failures:|---- )'
status=${PIPESTATUS[0]}
add $(cargo_counts "$log_dir/cargo.txt" "$status")

echo "== build and install the extension"
if ! bash scripts/install_extension.sh; then echo "resonance: $passed passed, $((failed + 1)) failed (build)"; exit 1; fi
# The upgrade scripts of this release (cargo pgrx package copies them; a stale one may linger).
cp sql/resonance--*--*.sql "$(pg_path sharedir)/extension/"

echo "== SQL tests (pg_regress)"
bash scripts/cluster.sh destroy "$port" >/dev/null
bash scripts/cluster.sh start "$port"
out=/tmp/resonance-regress
rm -rf "$out"; mkdir -p "$out"
tests=(setup encode tables sample skills match models rerank ab_test rerank_cache cancel safety)
models="$(pg_path sharedir)/resonance/models"
# rerank_cache needs a cross-encoder and none ships: a fixed untrained head (its scores are
# deterministic, which is all the cache tests need).
python3 scripts/make_test_cross_encoder.py "$models/test-cross-encoder/delta.safetensors"
# Expected outputs name model files under this fixed link, not under the install's paths.
ln -sfn "$models" /tmp/resonance-regress-models
bash scripts/cluster.sh psql "$port" -X -q -d postgres -c "DROP DATABASE IF EXISTS resonance_regress" -c "CREATE DATABASE resonance_regress"
"$(pg_path pgxs | xargs dirname)/../test/regress/pg_regress" \
  --use-existing --host=/tmp --port="$port" --user=postgres \
  --bindir="$(pg_path bindir)" --inputdir="$here/pg_regress" --outputdir="$out" \
  --dbname=resonance_regress "${tests[@]}" | tee "$out/summary.txt"
status=${PIPESTATUS[0]}
add $(regress_counts "$out/summary.txt" "$status" ${#tests[@]})
if [ -f "$out/regression.diffs" ]; then head -200 "$out/regression.diffs"; fi

run_checks standby bash scripts/test_standby.sh "$port" "${RESONANCE_STANDBY_PORT:-55441}"
run_checks dump_restore bash scripts/test_dump_restore.sh "$port"
run_checks upgrade bash scripts/test_upgrade.sh "$port"
run_checks pgbouncer bash scripts/test_pgbouncer.sh "$port"
run_checks shared_state bash scripts/test_shared_state.sh "$port"
run_checks write_integrity bash tests/write_integrity.sh "$port"
run_checks file_integrity bash scripts/test_file_integrity.sh "$port"
run_checks http bash scripts/test_http.sh "$port"
run_checks realistic bash scripts/test_realistic.sh "$port"
bash scripts/cluster.sh psql "$port" -X -q -d postgres -c "DROP DATABASE IF EXISTS resonance_fuzz" -c "CREATE DATABASE resonance_fuzz"
run_checks fuzz python3 tests/fuzz_sql.py --host /tmp --port "$port" --dbname resonance_fuzz --user postgres \
  --calls "${RESONANCE_FUZZ_CALLS:-2000}" --seed "${RESONANCE_FUZZ_SEED:-42}"
bash scripts/cluster.sh stop "$port"

echo "== done in $(( $(date +%s) - start )) s"
echo "resonance: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
