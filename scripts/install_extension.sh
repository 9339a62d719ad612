#!/usr/bin/env bash
# Builds the extension (release) and installs it into the system PostgreSQL 15.
# cargo's incremental build makes a second run with no changes take seconds.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
export PATH="$HOME/.cargo/bin:$PATH"
cd "$here"
start=$(date +%s)
cargo pgrx install --release --pg-config /usr/lib/postgresql/15/bin/pg_config 2>&1 | grep -E '^(error|warning: unused)|Installing|Finished' || true
test -f "$(/usr/lib/postgresql/15/bin/pg_config --pkglibdir)/resonance.so"
echo "[install] extension built and installed in $(( $(date +%s) - start )) s"
