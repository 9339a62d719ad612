#!/usr/bin/env bash
# Checks scripts/test_counts.sh on the outputs that used to be miscounted: a cargo test
# binary that aborts after some passing tests, pg_regress failing or stopping early, a check
# script that exits non-zero without a "not ok" line. Prints "ok ..." / "not ok ..." lines.
set -uo pipefail
source "$(dirname "$0")/test_counts.sh"
dir=$(mktemp -d)
source "$(dirname "$0")/checks.sh"
printf 'test result: ok. 12 passed; 0 failed; 0 ignored\ntest a ... ok\nerror: test failed, to rerun pass `--lib`\nCaused by: process didn'"'"'t exit successfully (signal: 6, SIGABRT)\n' > "$dir/cargo_abort"
check "cargo: an aborted binary is a failure" "12 1" "$(cargo_counts "$dir/cargo_abort" 101)"
printf 'test result: ok. 3 passed; 0 failed\ntest result: FAILED. 4 passed; 2 failed\n' > "$dir/cargo_failed"
check "cargo: failed tests are counted" "7 2" "$(cargo_counts "$dir/cargo_failed" 101)"
check "cargo: a clean run" "3 0" "$(head -1 "$dir/cargo_failed" | cargo_counts /dev/stdin 0)"
printf 'test setup                        ... ok          139 ms\ntest encode                       ... FAILED    38457 ms\n' > "$dir/regress"
check "pg_regress: a failed file is counted" "1 1" "$(regress_counts "$dir/regress" 1 2)"
check "pg_regress: files that never ran are a failure" "1 2" "$(regress_counts "$dir/regress" 1 3)"
printf 'test setup                        ... ok          139 ms\n' > "$dir/regress_stopped"
check "pg_regress: a non-zero exit with no failure listed is a failure" "1 1" "$(regress_counts "$dir/regress_stopped" 2 1)"
printf 'ok a\nok b\n' > "$dir/checks"
check "checks: a non-zero exit with only ok lines is a failure" "2 1" "$(check_counts "$dir/checks" 1)"
printf 'fuzz: 1999 calls\n\nfuzz: 1990 passed, 10 failed\n' > "$dir/summary"
check "checks: a summary line counts when there are no ok lines" "1990 10" "$(check_counts "$dir/summary" 1)"
printf 'fuzz: 0 passed, 0 failed\n' > "$dir/summary_empty"
check "checks: a summary of nothing is a failure" "0 1" "$(check_counts "$dir/summary_empty" 0)"
: > "$dir/empty"
check "checks: no check at all is a failure" "0 1" "$(check_counts "$dir/empty" 0)"
rm -rf "$dir"
finish_checks test_counts
