#!/usr/bin/env bash
# Installs everything Resonance needs on a fresh Debian bookworm machine.
# Idempotent: each step checks for its result first and skips when present.
# Network: only Debian's mirror, crates.io and PyPI (README, "Two commands").
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
source "$here/scripts/pg_env.sh"
PGRX_VERSION=0.18.0
PGVECTOR_VERSION=0.8.0

log() { printf '[setup] %s\n' "$*"; }

# Debian packages: the server, its headers for the build, sudo to run as postgres,
# libclang for pgrx's bindgen, pgbouncer for scripts/test_pgbouncer.sh (it is started by
# that script on its own port, never as the package's service).
install_debian_packages() {
  local pkgs=("postgresql-$PG_MAJOR" "postgresql-server-dev-$PG_MAJOR" sudo clang libclang-dev pkg-config make gcc dpkg-dev unzip python3-pip pgbouncer)
  local missing=()
  for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if [ ${#missing[@]} -eq 0 ]; then log "debian packages present"; return; fi
  log "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  # Debian's package creates a default cluster we don't use; keep it from holding port 5432.
  if command -v pg_lsclusters >/dev/null && pg_lsclusters -h 2>/dev/null | grep -q "^$PG_MAJOR main"; then
    pg_ctlcluster "$PG_MAJOR" main stop 2>/dev/null || true
  fi
}

# pgvector 0.8.0 from Debian trixie's *source* package, built against PG15.
# Only a deb-src line is added, in a private list: no trixie binaries reach the system.
install_pgvector() {
  local sharedir; sharedir="$($PG_CONFIG --sharedir)"
  if [ -f "$sharedir/extension/vector--$PGVECTOR_VERSION.sql" ]; then log "pgvector $PGVECTOR_VERSION present"; return; fi
  local work=/tmp/resonance-pgvector
  rm -rf "$work"; mkdir -p "$work/lists/partial"
  local uri
  uri="$(grep -h '^URIs:' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1 | awk '{print $2}')"
  [ -n "$uri" ] || uri="$(grep -h '^deb ' /etc/apt/sources.list 2>/dev/null | head -1 | awk '{print $2}')"
  echo "deb-src $uri trixie main" > "$work/sources.list"
  local opts=(-o Dir::Etc::SourceList="$work/sources.list" -o Dir::Etc::SourceParts=/dev/null -o Dir::State::Lists="$work/lists")
  apt-get "${opts[@]}" update -qq
  (cd "$work" && apt-get "${opts[@]}" source --download-only pgvector >/dev/null)
  local tarball; tarball="$(ls "$work"/pgvector_"$PGVECTOR_VERSION"*.orig.tar.* | head -1)"
  mkdir -p "$work/src"; tar -xf "$tarball" -C "$work/src" --strip-components=1
  make -C "$work/src" -s PG_CONFIG=$PG_CONFIG >/dev/null
  make -C "$work/src" -s PG_CONFIG=$PG_CONFIG install >/dev/null
  log "pgvector $PGVECTOR_VERSION installed"
}

# cargo-pgrx only drives cargo and copies files, so its own speed does not matter: a debug
# build without default features (no TLS stack; `cargo pgrx init` is given the installed
# pg_config and downloads nothing) takes 94 s here instead of 201 s for the release build,
# and needs nothing from apt, so it builds in the background while the packages install.
cargo_pgrx_present() { cargo pgrx --version 2>/dev/null | grep -q "$PGRX_VERSION"; }
start_cargo_pgrx_build() {
  export PATH="$HOME/.cargo/bin:$PATH"
  if cargo_pgrx_present; then log "cargo-pgrx $PGRX_VERSION present"; return; fi
  log "building cargo-pgrx $PGRX_VERSION in the background (about 2 min)"
  cargo_pgrx_log="$(mktemp)"
  cargo install cargo-pgrx --version "$PGRX_VERSION" --locked --debug --no-default-features -q >"$cargo_pgrx_log" 2>&1 &
  cargo_pgrx_pid=$!
}
finish_cargo_pgrx() {
  if [ -n "${cargo_pgrx_pid:-}" ]; then
    if ! wait "$cargo_pgrx_pid"; then cat "$cargo_pgrx_log" >&2; log "cargo install cargo-pgrx failed"; exit 1; fi
    cargo_pgrx_pid=; rm -f "$cargo_pgrx_log"
  fi
  if [ -f "$HOME/.pgrx/config.toml" ] && grep -q "pg$PG_MAJOR" "$HOME/.pgrx/config.toml"; then log "pgrx pg$PG_MAJOR configured";
  else cargo pgrx init "--pg$PG_MAJOR" "$PG_CONFIG" >/dev/null; fi
}
# A failed step must not leave the background build running.
trap '[ -z "${cargo_pgrx_pid:-}" ] || kill "$cargo_pgrx_pid" 2>/dev/null || true' EXIT

install_models() { bash "$here/models/fetch.sh"; }

# Python packages for the tests, pinned; PyPI only, and only those python3 lacks:
# psycopg for tests/fuzz_sql.py and the client tests (tests/clients/), SQLAlchemy for the
# ORM client test. Debian's own python3 refuses pip installs (PEP 668) unless told otherwise.
PSYCOPG_VERSION=3.2.13
SQLALCHEMY_VERSION=2.1.9
install_python_packages() {
  local wanted=()
  python3 -c 'import psycopg' >/dev/null 2>&1 || wanted+=("psycopg[binary]==$PSYCOPG_VERSION")
  python3 -c "import sqlalchemy, sys; sys.exit(sqlalchemy.__version__ != '$SQLALCHEMY_VERSION')" >/dev/null 2>&1 \
    || wanted+=("sqlalchemy==$SQLALCHEMY_VERSION")
  if [ ${#wanted[@]} -eq 0 ]; then log "psycopg and SQLAlchemy present"; return; fi
  local flags=(-q)
  if python3 -m pip install --help 2>/dev/null | grep -q -- --break-system-packages; then flags+=(--break-system-packages); fi
  log "installing ${wanted[*]}"
  python3 -m pip install "${flags[@]}" "${wanted[@]}"
}

# Says how long a step took, so a first run on a bare machine shows where its time went.
timed() {
  local what="$1" t=$SECONDS; shift
  "$@"
  [ $((SECONDS - t)) -lt 2 ] || log "$what: $((SECONDS - t)) s"
}

main() {
  start_cargo_pgrx_build
  timed "debian packages" install_debian_packages
  timed "pgvector" install_pgvector
  timed "waiting for cargo-pgrx, pgrx init" finish_cargo_pgrx
  timed "model files" install_models
  timed "python packages" install_python_packages
  log "done"
}
main "$@"
