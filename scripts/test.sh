#!/usr/bin/env bash
# Every test: engine tests with cargo (real model files), then the SQL tests with
# PostgreSQL's own pg_regress against a throwaway cluster run as the postgres user.
# Ends with one line "resonance: N passed, N failed".
set -uo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
port="${RESONANCE_TEST_PORT:-55433}"
export PATH="$HOME/.cargo/bin:$PATH"
cd "$here"
start=$(date +%s)

bash scripts/setup.sh || { echo "resonance: 0 passed, 1 failed (setup)"; exit 1; }

passed=0; failed=0
count_cargo() { # adds up cargo's "test result: ok. N passed; M failed" lines
  local counts
  counts=$(awk '/^test result:/ { for (i = 1; i < NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
                END { print p + 0, f + 0 }' "$1")
  passed=$((passed + ${counts% *})); failed=$((failed + ${counts#* }))
}

echo "== engine tests (cargo test, no Postgres)"
log=$(mktemp)
if ! cargo test --no-default-features 2>&1 | tee "$log" | grep -E '^(test |test result|error|failures:|---- )'; then :; fi
count_cargo "$log"
grep -q '^test result:' "$log" || { echo "cargo test did not run"; failed=$((failed + 1)); }

echo "== build and install the extension"
if ! bash scripts/install_extension.sh; then echo "resonance: $passed passed, $((failed + 1)) failed (build)"; exit 1; fi

echo "== SQL tests (pg_regress)"
bash scripts/cluster.sh destroy "$port" >/dev/null
bash scripts/cluster.sh start "$port"
out=/tmp/resonance-regress
rm -rf "$out"; mkdir -p "$out"
tests=(setup encode tables sample skills match models rerank ab_test rerank_cache)
# rerank_cache needs a cross-encoder and none ships: a fixed untrained head (its scores are
# deterministic, which is all the cache tests need).
python3 scripts/make_test_cross_encoder.py "$(/usr/lib/postgresql/15/bin/pg_config --sharedir)/resonance/models/test-cross-encoder/delta.safetensors"
bash scripts/cluster.sh psql "$port" -X -q -d postgres -c "DROP DATABASE IF EXISTS resonance_regress" -c "CREATE DATABASE resonance_regress"
/usr/lib/postgresql/15/lib/pgxs/src/test/regress/pg_regress \
  --use-existing --host=/tmp --port="$port" --user=postgres \
  --bindir=/usr/lib/postgresql/15/bin --inputdir="$here/pg_regress" --outputdir="$out" \
  --dbname=resonance_regress "${tests[@]}" | tee "$out/summary.txt"
regress_failed=$(grep -cE '^(not ok|test .* FAILED)|\.\.\. FAILED' "$out/summary.txt" || true)
passed=$((passed + ${#tests[@]} - regress_failed)); failed=$((failed + regress_failed))
if [ "$regress_failed" -gt 0 ] && [ -f "$out/regression.diffs" ]; then head -200 "$out/regression.diffs"; fi

echo "== hot standby (pg_basebackup -R, resonance_match on the standby)"
standby_log="$out/standby.txt"
bash scripts/test_standby.sh "$port" "${RESONANCE_STANDBY_PORT:-55441}" 2>&1 | tee "$standby_log"
standby_passed=$(grep -c '^ok ' "$standby_log" || true); standby_failed=$(grep -c '^not ok ' "$standby_log" || true)
grep -q '^standby: ' "$standby_log" || standby_failed=$((standby_failed + 1))
passed=$((passed + standby_passed)); failed=$((failed + standby_failed))
bash scripts/cluster.sh stop "$port"

echo "== done in $(( $(date +%s) - start )) s"
echo "resonance: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
