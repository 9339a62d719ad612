#!/usr/bin/env bash
# Every test: engine tests with cargo (real model files), the SQL tests with PostgreSQL's
# own pg_regress against a throwaway cluster run as the postgres user, then the checks that
# need whole clusters (hot standby, dump and restore, upgrade, fuzz).
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

passed=0; failed=0
fail() { echo "FAILED: $*"; failed=$((failed + 1)); }

echo "== engine tests (cargo test, no Postgres)"
log=$(mktemp)
cargo test --no-default-features 2>&1 | tee "$log" | grep -E '^(test |test result|error|failures:|---- )'
cargo_status=${PIPESTATUS[0]}
# cargo's "test result: ok. N passed; M failed; ..." lines, one per test binary.
read -r p f < <(awk '/^test result:/ { for (i = 1; i < NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
                     END { print p + 0, f + 0 }' "$log")
passed=$((passed + p)); failed=$((failed + f))
# A binary that aborts prints no result line but makes cargo exit non-zero.
[ "$cargo_status" -eq 0 ] || [ "$f" -gt 0 ] || fail "cargo test exited $cargo_status with no failed test counted"

echo "== build and install the extension"
if ! bash scripts/install_extension.sh; then echo "resonance: $passed passed, $((failed + 1)) failed (build)"; exit 1; fi

echo "== SQL tests (pg_regress)"
bash scripts/cluster.sh destroy "$port" >/dev/null
bash scripts/cluster.sh start "$port"
out=/tmp/resonance-regress
rm -rf "$out"; mkdir -p "$out"
tests=(setup encode tables sample skills match models rerank ab_test rerank_cache safety)
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
regress_status=${PIPESTATUS[0]}
regress_passed=$(grep -cE '^test .* \.\.\. ok' "$out/summary.txt" || true)
regress_failed=$(grep -cE '^test .* \.\.\. FAILED' "$out/summary.txt" || true)
passed=$((passed + regress_passed)); failed=$((failed + regress_failed))
[ "$regress_status" -eq 0 ] || [ "$regress_failed" -gt 0 ] || fail "pg_regress exited $regress_status with no failed test counted"
[ $((regress_passed + regress_failed)) -eq ${#tests[@]} ] || fail "pg_regress reported $((regress_passed + regress_failed)) of ${#tests[@]} tests"
if [ "$regress_failed" -gt 0 ] && [ -f "$out/regression.diffs" ]; then head -200 "$out/regression.diffs"; fi

# run_checks <name> <command...>: a script printing "ok ..." / "not ok ..." lines; its exit
# status must agree with them.
run_checks() {
  local name="$1"; shift
  local log="$out/$name.txt"
  echo "== $name"
  "$@" 2>&1 | tee "$log"
  local status=${PIPESTATUS[0]}
  local ok; ok=$(grep -c '^ok ' "$log" || true)
  local bad; bad=$(grep -c '^not ok ' "$log" || true)
  passed=$((passed + ok)); failed=$((failed + bad))
  [ "$status" -eq 0 ] || [ "$bad" -gt 0 ] || fail "$name exited $status with no failed check counted"
  [ "$ok" -gt 0 ] || [ "$bad" -gt 0 ] || fail "$name ran no check"
}
run_checks standby bash scripts/test_standby.sh "$port" "${RESONANCE_STANDBY_PORT:-55441}"
run_checks dump_restore bash scripts/test_dump_restore.sh "$port"
run_checks upgrade bash scripts/test_upgrade.sh "$port"
run_checks fuzz python3 tests/fuzz_sql.py --host /tmp --port "$port" --dbname resonance_fuzz --user postgres \
  --calls "${RESONANCE_FUZZ_CALLS:-2000}" --seed "${RESONANCE_FUZZ_SEED:-42}"
bash scripts/cluster.sh stop "$port"

echo "== done in $(( $(date +%s) - start )) s"
echo "resonance: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
