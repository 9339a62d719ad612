# The check scripts' shared vocabulary (test_standby, test_dump_restore, test_upgrade,
# test_counts_check). Sourced, not run. Each check prints "ok <name>" or
# "not ok <name>: expected [...], got [...]"; scripts/test.sh counts those lines.
passed=0; failed=0

# check <name> <expected> <actual>
check() {
  if [ "$2" = "$3" ]; then echo "ok $1"; passed=$((passed + 1)); else echo "not ok $1: expected [$2], got [$3]"; failed=$((failed + 1)); fi
}

# finish_checks <name>: the summary line; the status is non-zero when a check failed.
finish_checks() {
  echo "$1: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}
