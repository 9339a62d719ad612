#!/usr/bin/env bash
# pgvector HNSW at N job-like vectors on one node (issue 15): build time and size, recall
# against exact search, single-client latency and queries/s. Prints numbers; it is not a test.
#
# The vectors are synthetic postings made of real all-MiniLM-L6-v2 embeddings: uniform random
# vectors have no cluster structure, so their HNSW recall says little about real data. The taxonomy
# build (build_taxonomy --out, as for scripts/load_taxonomy.sh) already embedded every title
# label and skill name with the model, so nothing is encoded here. Occupations are the 1,014
# titles that have at least 3 skills in kg_title_skills (923 O*NET, 91 ESCO ICT); each vector
# is one posting of an occupation drawn with a mild skew (occupation floor(T * u^2): the most
# common 1 % of occupations get about 10 % of postings):
#     l2_normalize(l2_normalize(2 * label + skill1 + skill2 + skill3 + other) + noise)
# label: one of the occupation's title labels (2,894 in all); skill1-3: drawn from its
# kg_title_skills list; other: any of the 27,666 skills (a requirement off the occupation);
# noise: uniform in +-0.01 per coordinate (norm ~0.11 against the unit mixture), so no two
# postings coincide. N + QUERIES vectors come from one seeded stream (setseed, one backend);
# the last QUERIES are the queries and are not in the table. `cat` (0-99, uniform,
# independent of the vector) stands in for a filter column such as country.
#
# Index: the extension's (sql/resonance.sql: vector_cosine_ops, m 16, ef_construction 64),
# built with maintenance_work_mem sized so the graph fits and max_parallel_maintenance_workers
# = WORKERS (1: the leader and one worker; the machine has 2 shared cores). Searches use
# hnsw.iterative_scan = relaxed_order, as resonance.retrieve_jobs does: without it a LIMIT 100
# at ef_search 40 returns at most 40 rows. Results are re-sorted by distance, as the caller
# does, before taking the top 10. Ground truth: the same query with index scans off (a
# sequential scan and sort, one core), timed.
#
# The build is kept under WORK (the cluster's data directory is a link into it) and reused
# when it holds the same N; remove it with: bash scripts/cluster.sh destroy <port>; rm -rf WORK.
#
# Usage: scripts/bench_hnsw.sh [N] [port]   N default 1000000, port default 55450
#   env: QUERIES (200), CALLS (1000 single-client calls per setting), RUN_SECONDS (20 per
#        pgbench throughput run), WORKERS (1), WORK (/tmp/hnsw1m),
#        TSV_DIR (~/.cache/resonance/taxonomy_tables)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
N="${1:-1000000}"; PORT="${2:-55450}"
QUERIES="${QUERIES:-200}"; CALLS="${CALLS:-1000}"; RUN_SECONDS="${RUN_SECONDS:-20}"; WORKERS="${WORKERS:-1}"
WORK="${WORK:-/tmp/hnsw1m}"; TSV_DIR="${TSV_DIR:-$HOME/.cache/resonance/taxonomy_tables}"
cd "$here"
source scripts/pg_env.sh
db=hnsw_bench
psql_() { PGOPTIONS="-c client_min_messages=warning" psql -h /tmp -p "$PORT" -U postgres -X -q -v ON_ERROR_STOP=1 -d "$db" "$@"; }
log() { printf '[bench_hnsw] %s\n' "$*"; }
for f in kg_skills kg_title_labels kg_title_skills; do
  [ -f "$TSV_DIR/$f.tsv" ] || { log "$TSV_DIR/$f.tsv missing: run build_taxonomy --out $TSV_DIR"; exit 1; }
done

# The index takes ~2 KB a vector on disk (384 dimensions, m 16); the graph in memory takes
# more (allocation overhead), so maintenance_work_mem gives it 4 KB a vector: pgvector says
# "hnsw graph no longer fits into maintenance_work_mem" when it does not. shared_buffers holds
# the index and the table (~1.6 KB a row), so searches do not read through the kernel's cache.
mwm_mb=$(( N * 4 / 1000 + 64 )); sb_mb=$(( N * 4 / 1000 + 128 ))
mkdir -p "$WORK"; chmod 755 "$WORK"
if [ ! -e "/tmp/resonance-pg-$PORT" ]; then
  install -d -o postgres -g postgres "$WORK/pg-$PORT"
  ln -s "$WORK/pg-$PORT" "/tmp/resonance-pg-$PORT"
fi
bash scripts/cluster.sh start "$PORT" >/dev/null
psql_ -d postgres -c "ALTER SYSTEM SET shared_buffers = '${sb_mb}MB'" -c "ALTER SYSTEM SET max_wal_size = '4GB'"
bash scripts/cluster.sh restart "$PORT" >/dev/null
[ "$(psql_ -d postgres -At -c "SELECT count(*) FROM pg_database WHERE datname = '$db'")" = 1 ] ||
  psql_ -d postgres -c "CREATE DATABASE $db"

built() { [ "$(psql_ -At -c "SELECT n FROM bench.complete" 2>/dev/null)" = "$N" ]; }

build() {
  log "generating $N + $QUERIES vectors from the taxonomy's embeddings in $TSV_DIR"
  local t0; t0=$(date +%s)
  (cd "$TSV_DIR" && psql_ -v n="$N" -v q="$QUERIES") <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS vector;
DROP SCHEMA IF EXISTS bench CASCADE;
CREATE SCHEMA bench;
CREATE TEMP TABLE s_skills (name text, aliases text, category text, description text, source text,
                            source_key text, popularity real, embedding text);
CREATE TEMP TABLE s_labels (title text, title_source text, label text, embedding text);
CREATE TEMP TABLE s_title_skills (title text, title_source text, skill text, weight real);
\copy s_skills FROM 'kg_skills.tsv'
\copy s_labels FROM 'kg_title_labels.tsv'
\copy s_title_skills FROM 'kg_title_skills.tsv'
-- Occupations with at least 3 listed skills whose embeddings are known, and a title label.
CREATE TEMP TABLE occ AS
  SELECT row_number() OVER (ORDER BY title, title_source) - 1 AS t, title, title_source
  FROM (SELECT title, title_source FROM s_title_skills ts JOIN s_skills s ON s.name = ts.skill
        GROUP BY 1, 2 HAVING count(*) >= 3) o
  WHERE EXISTS (SELECT 1 FROM s_labels l WHERE (l.title, l.title_source) = (o.title, o.title_source));
CREATE TEMP TABLE labels AS
  SELECT o.t, row_number() OVER (PARTITION BY o.t ORDER BY l.label) - 1 AS k, l.embedding::vector(384) AS v
  FROM occ o JOIN s_labels l USING (title, title_source);
CREATE TEMP TABLE tskills AS
  SELECT o.t, row_number() OVER (PARTITION BY o.t ORDER BY s.name) - 1 AS k, s.embedding::vector(384) AS v
  FROM occ o JOIN s_title_skills ts USING (title, title_source) JOIN s_skills s ON s.name = ts.skill;
CREATE TEMP TABLE skills AS
  SELECT row_number() OVER (ORDER BY name) - 1 AS k, embedding::vector(384) AS v FROM s_skills;
CREATE TEMP TABLE occ_n AS
  SELECT t, (SELECT count(*) FROM labels l WHERE l.t = o.t) AS n_labels,
         (SELECT count(*) FROM tskills s WHERE s.t = o.t) AS n_skills FROM occ o;
CREATE INDEX ON labels (t, k); CREATE INDEX ON tskills (t, k); CREATE INDEX ON skills (k);
ANALYZE labels; ANALYZE tskills; ANALYZE skills; ANALYZE occ_n;
SELECT 'occupations ' || count(*) || ', title labels ' || (SELECT count(*) FROM labels) || ', title skills '
       || (SELECT count(*) FROM tskills) || ', skills ' || (SELECT count(*) FROM skills) FROM occ_n \g (format=unaligned tuples_only)
SELECT setseed(0.15) \g /dev/null

-- Every random draw is made here, in id order, in this one backend, and kept: the vectors
-- then do not depend on the order in which the joins below visit the rows.
CREATE TEMP TABLE draws AS
SELECT i, floor(random() * 100)::int AS cat,
       floor(power(random(), 2) * (SELECT count(*) FROM occ_n))::int AS t,
       random() AS rl, random() AS r1, random() AS r2, random() AS r3,
       floor(random() * (SELECT count(*) FROM skills))::int AS ko,
       -- refers to i, so it runs once per row
       (SELECT array_agg((random() - 0.5) * 0.02) FROM generate_series(1, 384) WHERE i > 0)::vector(384) AS noise
FROM generate_series(1, :n + :q) i;
CREATE TEMP VIEW vectors AS
SELECT g.i, g.cat, l2_normalize(l2_normalize(l.v + l.v + s1.v + s2.v + s3.v + o.v) + g.noise) AS v
FROM draws g
JOIN occ_n USING (t)
JOIN labels l ON l.t = g.t AND l.k = floor(g.rl * occ_n.n_labels)
JOIN tskills s1 ON s1.t = g.t AND s1.k = floor(g.r1 * occ_n.n_skills)
JOIN tskills s2 ON s2.t = g.t AND s2.k = floor(g.r2 * occ_n.n_skills)
JOIN tskills s3 ON s3.t = g.t AND s3.k = floor(g.r3 * occ_n.n_skills)
JOIN skills o ON o.k = g.ko;

CREATE TABLE bench.items (id int PRIMARY KEY, cat int NOT NULL, embedding vector(384) NOT NULL);
INSERT INTO bench.items SELECT i, cat, v FROM vectors WHERE i <= :n ORDER BY i;
CREATE TABLE bench.queries (q int PRIMARY KEY, v vector(384) NOT NULL);
INSERT INTO bench.queries SELECT i - :n, v FROM vectors WHERE i > :n ORDER BY i;
VACUUM ANALYZE bench.items; VACUUM ANALYZE bench.queries;
SQL
  log "vectors written in $(( $(date +%s) - t0 )) s"
  log "building the HNSW index (maintenance_work_mem ${mwm_mb}MB, max_parallel_maintenance_workers $WORKERS)"
  psql_ -v mwm="${mwm_mb}MB" -v workers="$WORKERS" <<'SQL' 2>&1 | grep -E 'parallel workers|processed|fits|ERROR' || true
SET maintenance_work_mem = :'mwm';
SET max_parallel_maintenance_workers = :workers;
SET client_min_messages = debug1;  -- pgvector says how many workers it launched
CREATE TEMP TABLE t0 AS SELECT clock_timestamp() AS t;
CREATE INDEX items_embedding_hnsw ON bench.items
  USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64);
SET client_min_messages = notice;
CREATE TABLE bench.complete AS
  SELECT :'mwm'::text AS maintenance_work_mem, :workers AS workers,
         extract(epoch FROM clock_timestamp() - t) AS build_s, (SELECT count(*) FROM bench.items) AS n FROM t0;
SQL
  built || { log "the index build failed"; exit 1; }
}

log "load average before: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores, shared)"
if built; then log "reusing the vectors and index for N = $N in $WORK"; else build; fi
psql_ -c "CREATE EXTENSION IF NOT EXISTS pg_prewarm" \
  -c "SELECT pg_prewarm('bench.items_embedding_hnsw') + pg_prewarm('bench.items') AS pages_prewarmed" -At >/dev/null

# Exact top 100 and HNSW top 100 for every query, with and without the filter: one row per
# (setting, filter, query, rank). Filters: none, cat < 10 (10 % of rows), cat = 0 (1 %).
log "exact search (index scans off) and HNSW search for $QUERIES queries"
psql_ <<'SQL' >/dev/null
DROP TABLE IF EXISTS bench.found, bench.timing;
CREATE TABLE bench.found (setting text, filter text, q int, id int, rank int, cosine real);
CREATE TABLE bench.timing (setting text, filter text, ms_per_query float8);
CREATE OR REPLACE FUNCTION bench.search(setting text, filter text, cond text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz := clock_timestamp();
BEGIN
  EXECUTE format($q$
    INSERT INTO bench.found
    SELECT %L, %L, qs.q, r.id, row_number() OVER (PARTITION BY qs.q ORDER BY r.d), 1 - r.d
    FROM bench.queries qs CROSS JOIN LATERAL
      (SELECT id, embedding <=> qs.v AS d FROM bench.items WHERE %s ORDER BY embedding <=> qs.v LIMIT 100) r$q$,
    setting, filter, cond);
  INSERT INTO bench.timing
  VALUES (setting, filter, extract(epoch FROM clock_timestamp() - t0) * 1000 / (SELECT count(*) FROM bench.queries));
END $$;
SET max_parallel_workers_per_gather = 0;
SET enable_indexscan = off;
SELECT bench.search('exact', f, c) FROM (VALUES ('none', 'true'), ('10%', 'cat < 10'), ('1%', 'cat = 0')) v(f, c);
RESET enable_indexscan;
SET enable_seqscan = off;  -- filtered: the planner would otherwise pick the exact scan for 1 %
SET hnsw.iterative_scan = relaxed_order;
SET hnsw.ef_search = 40;  SELECT bench.search('ef_search 40', 'none', 'true');
SET hnsw.ef_search = 100; SELECT bench.search('ef_search 100', f, c) FROM (VALUES ('none', 'true'), ('10%', 'cat < 10'), ('1%', 'cat = 0')) v(f, c);
SET hnsw.ef_search = 200; SELECT bench.search('ef_search 200', 'none', 'true');
SQL

# Per-call latency and queries/s through pgbench: a random held-out query per call, planned
# per call like resonance.retrieve_jobs (force_custom_plan).
pgb() {  # pgb <ef_search> <condition> <clients> [pgbench args...]
  local f="$WORK/query.sql" ef="$1" cond="$2" clients="$3"; shift 3
  printf '\\set q random(1, %s)\nSELECT id FROM bench.items WHERE %s ORDER BY embedding <=> (SELECT v FROM bench.queries WHERE q = :q) LIMIT 100;\n' \
    "$QUERIES" "$cond" > "$f"
  (cd "$WORK" && PGOPTIONS="-c hnsw.ef_search=$ef -c hnsw.iterative_scan=relaxed_order -c enable_seqscan=off" \
     pgbench -h /tmp -p "$PORT" -U postgres -n -c "$clients" -j "$clients" -f "$f" "$@" "$db")
}
latency() {  # latency <setting> <filter> <ef_search> <condition>: P50 P95 P99 ms over CALLS calls
  rm -f "$WORK"/pgbench_log.*
  pgb "$3" "$4" 1 -t "$CALLS" -l >/dev/null
  read -r p50 p95 p99 < <(awk '{ print $3 / 1000 }' "$WORK"/pgbench_log.* | sort -n |
    awk '{ v[NR] = $1 } END { print v[int(NR*0.50+0.999)], v[int(NR*0.95+0.999)], v[int(NR*0.99+0.999)] }')
  psql_ -c "INSERT INTO bench.latency VALUES ('$1', '$2', $p50, $p95, $p99)"
  rm -f "$WORK"/pgbench_log.*
}
qps() { pgb "$1" true "$2" -T "$RUN_SECONDS" 2>/dev/null | awk '/^tps/ { printf "%.0f", $3 }'; }
log "single-client latency ($CALLS calls per setting) and throughput (${RUN_SECONDS} s per run)"
psql_ -c "DROP TABLE IF EXISTS bench.latency" -c "CREATE TABLE bench.latency (setting text, filter text, p50 float8, p95 float8, p99 float8)"
for ef in 40 100 200; do latency "ef_search $ef" none "$ef" true; done
latency "ef_search 100" 10% 100 "cat < 10"; latency "ef_search 100" 1% 100 "cat = 0"
q40_1=$(qps 40 1); q40_2=$(qps 40 2); q100_1=$(qps 100 1); q100_2=$(qps 100 2)

# The extension's jobs table has a btree on (country, city): with an index on the filter
# column the planner may pick it and sort the passing rows exactly instead of scanning HNSW.
# Last, so the runs above see no such index. Prints the plan it picks.
psql_ <<'SQL' >/dev/null
DROP INDEX IF EXISTS bench.items_cat;
CREATE INDEX items_cat ON bench.items (cat);
ANALYZE bench.items;
SET max_parallel_workers_per_gather = 0;
SET hnsw.iterative_scan = relaxed_order; SET hnsw.ef_search = 100;
SELECT bench.search('planner, btree', f, c) FROM (VALUES ('10%', 'cat < 10'), ('1%', 'cat = 0')) v(f, c);
-- What the btree path costs when the planner does not pick it: the passing rows, sorted exactly.
SET enable_indexscan = off;
SELECT bench.search('btree, no HNSW', f, c) FROM (VALUES ('10%', 'cat < 10'), ('1%', 'cat = 0')) v(f, c);
SQL
plan() {  # the scan nodes on items that the planner picks for WHERE $1, as retrieve_jobs runs it
  psql_ -At -c "SET max_parallel_workers_per_gather = 0" -c "SET hnsw.iterative_scan = relaxed_order" \
    -c "SET hnsw.ef_search = 100" -c "EXPLAIN (COSTS OFF) SELECT id FROM bench.items WHERE $1
        ORDER BY embedding <=> (SELECT v FROM bench.queries WHERE q = 1) LIMIT 100" |
    grep -oE '(Bitmap Heap Scan|Bitmap Index Scan|Index Scan|Seq Scan)( using [a-z_]+)? on items[a-z_]*' | paste -sd, -
}
plans="WHERE cat < 10: $(plan "cat < 10"); WHERE cat = 0: $(plan "cat = 0")"
psql_ -c "DROP INDEX bench.items_cat"
log "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

echo
psql_ -At -F ' ' -c "
  SELECT 'N', n, 'build_s', round(build_s), 'maintenance_work_mem', maintenance_work_mem,
         'max_parallel_maintenance_workers', workers,
         'index', pg_size_pretty(pg_relation_size('bench.items_embedding_hnsw')),
         'table', pg_size_pretty(pg_table_size('bench.items')),
         'shared_buffers', current_setting('shared_buffers') FROM bench.complete"
echo
# recall@k: the share of the exact top k found in the HNSW top k (HNSW rows re-sorted by
# distance), over all queries.
psql_ -P footer=off -c "
  WITH t AS (SELECT filter, q, id, rank FROM bench.found WHERE setting = 'exact'),
  n AS (SELECT filter, count(*) FILTER (WHERE rank <= 10) AS n10, count(*) AS n100 FROM t GROUP BY 1),
  r AS (SELECT f.setting, f.filter, count(*) FILTER (WHERE f.rank <= 10 AND t.rank <= 10) AS hit10, count(t.id) AS hit100
        FROM bench.found f LEFT JOIN t ON (t.filter, t.q, t.id) = (f.filter, f.q, f.id) GROUP BY 1, 2)
  SELECT r.setting, r.filter, round(hit10::numeric / n10, 3) AS recall_10, round(hit100::numeric / n100, 3) AS recall_100,
         round(m.ms_per_query::numeric, 2) AS batch_ms_per_query,
         round(l.p50::numeric, 2) AS p50_ms, round(l.p95::numeric, 2) AS p95_ms, round(l.p99::numeric, 2) AS p99_ms
  FROM r JOIN n USING (filter) JOIN bench.timing m USING (setting, filter) LEFT JOIN bench.latency l USING (setting, filter)
  ORDER BY r.setting = 'exact', length(r.setting), r.setting, r.filter = 'none' DESC, r.filter DESC"
# How dense the data is: the cosine of a query's exact 1st, 10th and 100th neighbour.
psql_ -At -c "
  SELECT 'exact neighbours, median cosine: 1st ' || round(percentile_cont(0.5) WITHIN GROUP (ORDER BY cosine) FILTER (WHERE rank = 1)::numeric, 3)
         || ', 10th ' || round(percentile_cont(0.5) WITHIN GROUP (ORDER BY cosine) FILTER (WHERE rank = 10)::numeric, 3)
         || ', 100th ' || round(percentile_cont(0.5) WITHIN GROUP (ORDER BY cosine) FILTER (WHERE rank = 100)::numeric, 3)
  FROM bench.found WHERE setting = 'exact' AND filter = 'none'"
echo "planner, btree: a btree on cat added, the planner's choice: $plans"
echo "btree, no HNSW: the same with index scans off (a bitmap scan of the btree, or a sequential scan)"
echo "batch_ms_per_query: all $QUERIES queries in one statement, server only; p50-p99: per pgbench call ($CALLS calls, client included)"
echo "queries/s, top 100, no filter (pgbench ${RUN_SECONDS} s): ef_search 40: 1 client $q40_1, 2 clients $q40_2; ef_search 100: 1 client $q100_1, 2 clients $q100_2"
log "cluster left running on port $PORT; stop and remove: bash scripts/cluster.sh destroy $PORT; rm -rf $WORK"
