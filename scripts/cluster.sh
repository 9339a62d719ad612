#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster run as the postgres user on a local port.
# Usage: scripts/cluster.sh start|restart|stop|destroy|psql [port]   (data under /tmp/resonance-pg-<port>)
set -euo pipefail
cmd="${1:?start|restart|stop|destroy|psql}"; port="${2:-${RESONANCE_PORT:-55432}}"
source "$(dirname "$0")/pg_env.sh"
bin="$(pg_path bindir)"
data="/tmp/resonance-pg-$port"
as_postgres() { if [ "$(id -un)" = postgres ]; then "$@"; else sudo -u postgres "$@"; fi; }

case "$cmd" in
  start)
    if as_postgres "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
      # A preloaded library stays the one the postmaster loaded when it started: a running
      # cluster that preloads resonance is restarted when a newer resonance.so was installed.
      so="$(pg_path pkglibdir)/resonance.so"
      if grep -qs "^shared_preload_libraries = .*resonance" "$data/postgresql.auto.conf" && [ -f "$so" ] &&
         [ "$(stat -c %Y "$so")" -gt "$(sed -n 3p "$data/postmaster.pid")" ]; then
        as_postgres "$bin/pg_ctl" -D "$data" -m fast -w restart -l "$data/server.log" >/dev/null
        echo "[cluster] restarted on port $port (a newer preloaded resonance.so)"
      else
        echo "[cluster] running on port $port"
      fi
      exit 0
    fi
    if [ ! -f "$data/PG_VERSION" ]; then
      install -d -o postgres -g postgres "$data"
      as_postgres "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
      cat <<CONF | as_postgres tee -a "$data/postgresql.conf" >/dev/null
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = '/tmp'
max_connections = 40
shared_buffers = 256MB
fsync = off
CONF
    fi
    as_postgres "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w start >/dev/null
    echo "[cluster] started on port $port (data $data)"
    ;;
  restart)
    as_postgres "$bin/pg_ctl" -D "$data" -m fast -w restart -l "$data/server.log" >/dev/null
    echo "[cluster] restarted on port $port"
    ;;
  stop)
    as_postgres "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true
    echo "[cluster] stopped port $port"
    ;;
  destroy)
    as_postgres "$bin/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$data"
    ;;
  psql)
    shift 2; exec psql -h /tmp -p "$port" -U postgres "$@"
    ;;
  *) echo "unknown command $cmd" >&2; exit 2 ;;
esac
