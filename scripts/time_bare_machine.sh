#!/usr/bin/env bash
# Times the main command (scripts/demo.sh) on a bare machine: a Debian bookworm chroot made
# with debootstrap, holding only what the machines here come with (gcc, g++, git, curl,
# ca-certificates, python3), this machine's Rust toolchain mounted read-only and its CA
# certificates (an egress proxy may intercept TLS). No Debian package of ours, no pgvector,
# no cargo-pgrx, an empty cargo registry, target directory and ~/.cache/resonance; a fresh
# clone of this checkout's HEAD. Prints the demo's own step times and the total. It is not
# a test; it takes about 10 minutes plus debootstrap's, and needs root and about 6 GB.
#
# Usage: scripts/time_bare_machine.sh [dir]   (default /work/bare; removed first and after)
#        env: RESONANCE_PORT (55460) for the chroot's cluster, MIRROR (deb.debian.org)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
dir="${1:-/work/bare}"; root="$dir/root"
port="${RESONANCE_PORT:-55460}"
mirror="${MIRROR:-http://deb.debian.org/debian}"
log() { printf '[bare] %s\n' "$*"; }

unmount_all() {
  for m in "$root/root/.rustup" "$root/sys" "$root/proc"; do mountpoint -q "$m" && umount "$m"; done
  mountpoint -q "$root/dev" && umount -R "$root/dev"
  return 0
}
cleanup() {
  [ -d "$root/work/main" ] && chroot "$root" bash -c "cd /work/main && bash scripts/cluster.sh stop $port" >/dev/null 2>&1 || true
  unmount_all
  rm -rf "$dir"
}
trap cleanup EXIT

command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
unmount_all 2>/dev/null || true; rm -rf "$dir"; mkdir -p "$dir"
t=$SECONDS
debootstrap --variant=minbase --include=gcc,g++,git,ca-certificates,curl,procps,python3,xz-utils,libc6-dev \
  bookworm "$root" "$mirror" >/dev/null
log "debootstrap: $((SECONDS - t)) s (not part of the time)"

# What the machine has before the project: its CA certificates, its apt sources, its toolchain.
cp /usr/local/share/ca-certificates/* "$root/usr/local/share/ca-certificates/" 2>/dev/null || true
chroot "$root" update-ca-certificates >/dev/null
cp /etc/resolv.conf "$root/etc/"
if [ -f /etc/apt/sources.list.d/debian.sources ]; then
  cp /etc/apt/sources.list.d/debian.sources "$root/etc/apt/sources.list.d/"; rm -f "$root/etc/apt/sources.list"
fi
mkdir -p "$root/root/.cargo/bin" "$root/root/.rustup" "$root/work"
cp -a "$HOME/.cargo/bin/rustup" "$root/root/.cargo/bin/"
for f in cargo cargo-clippy cargo-fmt rustc rustdoc rustfmt clippy-driver; do ln -sf rustup "$root/root/.cargo/bin/$f"; done
mount -t proc proc "$root/proc"; mount -t sysfs sys "$root/sys"; mount --rbind /dev "$root/dev"
mount --bind "$HOME/.rustup" "$root/root/.rustup"; mount -o remount,bind,ro "$root/root/.rustup"
# The dev benchmark beside the checkout, as on the machines here (build_taxonomy reads its
# reserved occupations).
[ -d "$here/../shared" ] && cp -a "$here/../shared" "$root/work/"
git clone -q "$here" "$root/work/main"

ca=/etc/ssl/certs/ca-certificates.crt
t=$SECONDS
chroot "$root" env -i HOME=/root LANG=C.UTF-8 PATH=/root/.cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  SSL_CERT_FILE=$ca SSL_CERT_DIR=/etc/ssl/certs PIP_CERT=$ca REQUESTS_CA_BUNDLE=$ca CURL_CA_BUNDLE=$ca GIT_SSL_CAINFO=$ca \
  RESONANCE_PORT="$port" bash -c 'cd /work/main && bash scripts/demo.sh' | grep --line-buffered -E '^\[(setup|demo|build_taxonomy|load_taxonomy)\]'
log "main command on a bare machine: $((SECONDS - t)) s"
