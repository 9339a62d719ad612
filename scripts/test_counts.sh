# How scripts/test.sh reads a test program's results. Sourced, not run. Each function
# prints "<passed> <failed>" for one program from its output and exit status, so a
# program that dies before it reports (an aborting cargo test binary, a pg_regress run
# that stops) counts as a failure, never as a pass. scripts/test_counts_check.sh tests them.

# cargo_counts <log> <exit status>: adds up cargo's "test result: ok. N passed; M failed"
# lines, one per test binary; a non-zero exit with no failed test counted is one failure.
cargo_counts() {
  local p f
  read -r p f < <(awk '/^test result:/ { for (i = 1; i < NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
                       END { print p + 0, f + 0 }' "$1")
  if [ "$2" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  echo "$p $f"
}

# regress_counts <summary> <exit status> <tests run>: PostgreSQL 15's pg_regress lines
# "test name ... ok" / "... FAILED"; a non-zero exit with no failure counted, or fewer
# results than tests, is one failure more.
regress_counts() {
  local p f
  p=$(grep -cE '^test .* \.\.\. ok' "$1")
  f=$(grep -cE '^test .* \.\.\. FAILED' "$1")
  if { [ "$2" -ne 0 ] && [ "$f" -eq 0 ]; } || [ $((p + f)) -ne "$3" ]; then f=$((f + 1)); fi
  echo "$p $f"
}

# check_counts <log> <exit status>: "ok ..." / "not ok ..." lines of a check script, or,
# when it prints none, its last "<name>: N passed, M failed" line (tests/fuzz_sql.py counts
# calls); a non-zero exit with no failure counted, or no check at all, is one failure.
check_counts() {
  local p f
  p=$(grep -c '^ok ' "$1"); f=$(grep -c '^not ok ' "$1")
  if [ $((p + f)) -eq 0 ]; then
    read -r p f < <(sed -nE 's/^[a-z_]+: ([0-9]+) passed, ([0-9]+) failed$/\1 \2/p' "$1" | tail -1; echo)
    p=${p:-0}; f=${f:-0}
  fi
  if { [ "$2" -ne 0 ] && [ "$f" -eq 0 ]; } || [ $((p + f)) -eq 0 ]; then f=$((f + 1)); fi
  echo "$p $f"
}
