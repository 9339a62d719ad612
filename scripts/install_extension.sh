#!/usr/bin/env bash
# Builds the extension (release) and installs it into the system PostgreSQL 15.
# cargo's incremental build makes a second run with no changes take seconds.
# `cargo pgrx package` builds into target/release/resonance-pg<major>/; the files are then copied
# with --remove-destination, so each is a new file: a backend that has the old resonance.so
# mapped keeps it intact (`cargo pgrx install` rewrites the file in place, which can crash
# running backends).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
export PATH="$HOME/.cargo/bin:$PATH"
cd "$here"
start=$(date +%s)
source "$here/scripts/pg_env.sh"
pg_config="$PG_CONFIG"
pkg="${CARGO_TARGET_DIR:-$here/target}/release/resonance-pg$PG_MAJOR"
# The package tree is copied to / whole: a tree left from packaging for another pg_config
# (another installation) would be copied too and overwrite that installation's files.
rm -rf "$pkg"
cargo pgrx package --pg-config "$pg_config" 2>&1 | grep -E '^(error|warning: unused)|Finished' || true
test -f "$pkg$("$pg_config" --pkglibdir)/resonance.so"
cp -R --remove-destination "$pkg/." /
test -f "$("$pg_config" --pkglibdir)/resonance.so"
echo "[install] extension built and installed in $(( $(date +%s) - start )) s"
