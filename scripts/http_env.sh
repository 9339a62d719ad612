# What scripts/test_http.sh and scripts/bench_http.sh share: building resonance-http, a
# database for it, and starting and stopping the service. Sourced, not run; the caller sets
# $here (the checkout).
source "$here/scripts/pg_env.sh"

# The cargo target dir of this checkout's builds (CI's, unless CARGO_TARGET_DIR says otherwise).
http_target="${CARGO_TARGET_DIR:-$here/target}"

# http_cargo <args>: cargo for this crate in the release profile without link-time
# optimisation. Thin LTO made the test binaries' release links cost 89 s against 7 s here
# (a fresh build and test of the crate, 2-core VM), and the service's own CPU is about
# 0.25 ms of a ~6 ms match (README, "Overhead against SQL"); users' --release builds keep it.
http_cargo() {
  (cd "$here" && PATH="$HOME/.cargo/bin:$PATH" CARGO_PROFILE_RELEASE_LTO=false cargo "$@")
}

# http_build: the service, the HTTP load client and the Rust client example, in one release
# build (one feature set for the shared crates, so nothing is compiled twice).
http_build() {
  http_cargo build --release -q -p resonance-http --bins --examples
}

# http_database <port> <db>: a fresh database with the extension, the sample data and the
# small test taxonomy (tests/clients/taxonomy.sql), so explanations list matched skills.
http_database() {
  local port="$1" db="$2"
  psql -h /tmp -p "$port" -U postgres -X -q -v ON_ERROR_STOP=1 -d postgres \
    -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" &&
  psql -h /tmp -p "$port" -U postgres -X -q -v ON_ERROR_STOP=1 -d "$db" -c "SET client_min_messages = warning" \
    -c "CREATE EXTENSION resonance CASCADE" -f "$here/sql/sample_data.sql" -f "$here/tests/clients/taxonomy.sql" >/dev/null
}

# http_token <role> <tokens file>: a new token for the role; its line is appended to the
# file (made if need be) and the token printed (resonance-http hash-token).
http_token() {
  "$http_target/release/resonance-http" hash-token "$1" 2>&1 >>"$2" | awk '{ print $NF }'
}

# http_start <port> <db> <http_port> <log> [pool_size]: starts the service in the
# background (its pid in $http_pid) and waits until /healthz answers; fails after 10 s.
# It logs in as $http_user (default postgres); its other settings (RESONANCE_HTTP_TOKENS_FILE,
# the timeouts) come from the caller's environment.
http_start() {
  RESONANCE_HTTP_DATABASE_URL="host=/tmp port=$1 user=${http_user:-postgres} dbname=$2" RESONANCE_HTTP_BIND="127.0.0.1:$3" \
    RESONANCE_HTTP_POOL_SIZE="${5:-4}" "$http_target/release/resonance-http" >>"$4" 2>&1 &
  http_pid=$!
  local _
  for _ in $(seq 100); do
    curl -s -o /dev/null "http://127.0.0.1:$3/healthz" && return 0
    kill -0 "$http_pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# http_stop: SIGTERM to the service, then its exit status (the process's own, 0 on a
# graceful stop).
http_stop() {
  [ -n "${http_pid:-}" ] || return 0
  kill -TERM "$http_pid" 2>/dev/null
  wait "$http_pid"
  local status=$?
  http_pid=
  return $status
}
