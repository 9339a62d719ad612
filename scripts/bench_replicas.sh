#!/usr/bin/env bash
# matches/s on a primary and N streaming replicas (issue 15). Prints numbers; it is not a test.
#
# Starts a primary on PRIMARY_PORT and N hot standbys made with pg_basebackup -R on the ports
# after it, loads sql/sample_data.sql on the primary (and JOBS more postings from
# scripts/bench_jobs.py, embedded on the primary, when JOBS > 0), waits for every replica to
# replay it, then runs one pgbench match workload (resonance_match of a random sample
# resume, default options) against:
#   1. each node alone: what one node does with the machine to itself;
#   2. every node at once: what this machine does in total. All nodes here share one
#      machine's cores, so the total cannot exceed (1); on separate machines of the same
#      kind the total would be about (1) times the number of nodes.
# matches/s is pgbench's steady rate: the mean of its one-second progress reports after the
# first WARMUP seconds, which leaves out each new backend's model and skill-index load
# (about 1 s alone, longer when every node loads at once).
# Everything is stopped and removed at the end.
#
# Usage: scripts/bench_replicas.sh [N]   N replicas, default 2
#   env: PRIMARY_PORT (55452; replicas on the next N ports), CLIENTS (2 per node),
#        RUN_SECONDS (15 per run), WARMUP (3), JOBS (0), TAXONOMY (0; 1 loads the full
#        taxonomy from ~/.cache/resonance/taxonomy_tables, which embeds ~45,000 names: slow)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
replicas="${1:-2}"
PRIMARY_PORT="${PRIMARY_PORT:-55452}"; CLIENTS="${CLIENTS:-2}"; RUN_SECONDS="${RUN_SECONDS:-15}"
WARMUP="${WARMUP:-3}"; JOBS="${JOBS:-0}"; TAXONOMY="${TAXONOMY:-0}"
cd "$here"
source scripts/pg_env.sh
bin="$(pg_path bindir)"
db=resonance_replicas_bench
work="$(mktemp -d /tmp/resonance-bench-replicas-XXXXXX)"
chmod 755 "$work"
ports=("$PRIMARY_PORT")
for ((i = 1; i <= replicas; i++)); do ports+=($((PRIMARY_PORT + i))); done
as_postgres() { if [ "$(id -un)" = postgres ]; then "$@"; else sudo -u postgres "$@"; fi; }
on() { local port="$1"; shift; psql -h /tmp -p "$port" -U postgres -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"; }
log() { printf '[bench_replicas] %s\n' "$*"; }
name_of() { if [ "$1" = "$PRIMARY_PORT" ]; then echo "primary:$1"; else echo "replica:$1"; fi; }

cleanup() {
  for port in "${ports[@]}"; do bash scripts/cluster.sh destroy "$port" >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT

log "primary on $PRIMARY_PORT, $replicas replicas on ${ports[*]:1}; $CLIENTS clients per node, ${RUN_SECONDS} s per run"
bash scripts/cluster.sh destroy "$PRIMARY_PORT" >/dev/null
bash scripts/cluster.sh start "$PRIMARY_PORT" >/dev/null
on "$PRIMARY_PORT" -d postgres -c "CREATE DATABASE $db"
on "$PRIMARY_PORT" -c "SET client_min_messages = warning" -c "CREATE EXTENSION resonance CASCADE" \
  -c "SET client_min_messages = warning" -f sql/sample_data.sql >/dev/null
if [ "$TAXONOMY" = 1 ]; then
  log "loading the full taxonomy (embeds every skill and title label)"
  bash scripts/load_taxonomy.sh "$PRIMARY_PORT" "$db" >/dev/null
fi
if [ "$JOBS" -gt 0 ]; then
  # Distinct texts, one posting each; written with embed_on_write off and embedded in
  # batches by resonance_embed_pending (about 9 job texts/s on two shared cores).
  log "generating and embedding $JOBS more postings (scripts/bench_jobs.py)"
  python3 scripts/bench_jobs.py "$HOME/.cache/resonance/taxonomy" "$work" "$JOBS" 1 1
  on "$PRIMARY_PORT" <<SQL
CREATE TEMP TABLE t (text_id int, title text, description text, experience_level text);
CREATE TEMP TABLE p (text_id int, company text, country text, city text, remote boolean);
\copy t FROM '$work/texts.tsv'
\copy p FROM '$work/postings.tsv'
SET resonance.embed_on_write = off;
INSERT INTO resonance.jobs (title, description, company, country, city, remote, experience_level)
SELECT t.title, t.description, p.company, p.country, p.city, p.remote, t.experience_level::resonance.experience_level
FROM p JOIN t USING (text_id);
SQL
  on "$PRIMARY_PORT" -c "SET client_min_messages = warning" -c "CALL resonance_embed_pending()"
fi
on "$PRIMARY_PORT" -c "VACUUM ANALYZE"

for port in "${ports[@]:1}"; do
  data="/tmp/resonance-pg-$port"
  bash scripts/cluster.sh destroy "$port" >/dev/null
  install -d -o postgres -g postgres -m 700 "$data"
  as_postgres "$bin/pg_basebackup" -h /tmp -p "$PRIMARY_PORT" -U postgres -D "$data" -R -X stream -c fast
  echo "port = $port" | as_postgres tee -a "$data/postgresql.conf" >/dev/null
  as_postgres "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w start >/dev/null
done
lsn=$(on "$PRIMARY_PORT" -c "SELECT pg_current_wal_lsn()")
for port in "${ports[@]:1}"; do
  for _ in $(seq 100); do [ "$(on "$port" -c "SELECT pg_last_wal_replay_lsn() >= '$lsn'")" = t ] && break; sleep 0.2; done
  log "$(name_of "$port"): in recovery $(on "$port" -c "SELECT pg_is_in_recovery()"), jobs $(on "$port" -c "SELECT count(*) FROM resonance.jobs")"
done

# The workload: one match of a random sample resume, default options (25 rows, skill graph
# and explanations on; no cross-encoder is registered, so no rerank stage).
cat > "$work/match.sql" <<SQL
\\set r random(1, $(on "$PRIMARY_PORT" -c "SELECT count(*) FROM resonance.resumes"))
SELECT count(*) FROM resonance_match((SELECT id FROM resonance.resumes ORDER BY id OFFSET :r - 1 LIMIT 1));
SQL

# bench <port> <out>: pgbench with a progress report every second, to <out>.
bench() { pgbench -h /tmp -p "$1" -U postgres -n -c "$CLIENTS" -j "$CLIENTS" -T "$RUN_SECONDS" -P 1 -f "$work/match.sql" "$db" > "$2" 2>&1 || true; }
# steady <out>: mean tps and latency of the progress reports after WARMUP s; failed transactions.
steady() {
  awk -v warm="$WARMUP" '/^progress:/ && $2 + 0 > warm { s += $4; l += $7; k++ }
       /^number of failed transactions/ { f = $5 }
       END { printf "%.1f latency_ms=%.1f seconds=%d failed=%s", (k ? s / k : 0), (k ? l / k : 0), k, (f == "" ? "?" : f) }' "$1"
}

log "load average before: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores, shared)"
echo "== each node alone: $CLIENTS clients, ${RUN_SECONDS} s"
# report <port> <pgbench log>: prints the node's steady rate and adds it to $sum.
sum=0
report() {
  local rate
  rate=$(steady "$2")
  printf '%-14s matches_per_s=%s\n' "$(name_of "$1")" "$rate"
  sum=$(awk -v a="$sum" -v b="${rate%% *}" 'BEGIN { printf "%.1f", a + b }')
}
for port in "${ports[@]}"; do
  bench "$port" "$work/alone_$port.txt"
  report "$port" "$work/alone_$port.txt"
done
alone_sum=$sum
echo "sum_alone      matches_per_s=$alone_sum (what ${#ports[@]} machines like this one would give; not measured at once)"
echo "== every node at once: $CLIENTS clients each, ${RUN_SECONDS} s"
pids=()
for port in "${ports[@]}"; do bench "$port" "$work/all_$port.txt" & pids+=($!); done
for pid in "${pids[@]}"; do wait "$pid"; done
sum=0
for port in "${ports[@]}"; do report "$port" "$work/all_$port.txt"; done
total=$sum
echo "total          matches_per_s=$total (${#ports[@]} nodes on one $(nproc)-core machine)"
log "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
