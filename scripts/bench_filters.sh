#!/usr/bin/env bash
# Stage 1 with filters of different selectivity (top 100): recall@100 against an exact scan,
# and milliseconds per call, alternated in one run, for
#   shipped  resonance.retrieve_jobs as it is: the planner's choice between the HNSW index
#            and the (country, city) btree;
#   hnsw     the same query with sorts off, so the planner has only the HNSW index left.
# Prints numbers; not a test.
#
# Usage: scripts/bench_filters.sh PORT DB   env: QUERIES (50), ROUNDS (3)
# DB: a database built by scripts/bench_jobs_db.sh (jobs spread evenly over 32 cities in 22
# countries). Its smallest place holds 1/32 of the jobs, so the script moves 0.5 % of the jobs
# to Reykjavik, Iceland and 1.5 % to Oslo, Norway (once; marked in bench_filters.moved) for two
# more small filters.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
source "$here/scripts/pg_env.sh"
PORT="$1"; db="$2"; QUERIES="${QUERIES:-50}"; ROUNDS="${ROUNDS:-3}"
psql_() { bash "$here/scripts/cluster.sh" psql "$PORT" -X -q -v ON_ERROR_STOP=1 -d "$db" "$@"; }
echo "[filters] $(psql_ -At -c "SELECT count(*) FROM resonance.jobs") jobs; load average $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores, shared)"
psql_ <<SQL
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS bench_filters CASCADE;
CREATE SCHEMA bench_filters;
CREATE TABLE IF NOT EXISTS public.bench_filters_moved (done boolean);
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM public.bench_filters_moved) THEN
    SET LOCAL resonance.embed_on_write = off;
    UPDATE resonance.jobs SET country = 'Iceland', city = 'Reykjavik'
    WHERE id IN (SELECT id FROM resonance.jobs ORDER BY md5(id::text) LIMIT (SELECT count(*) / 200 FROM resonance.jobs));
    UPDATE resonance.jobs SET country = 'Norway', city = 'Oslo'
    WHERE id IN (SELECT id FROM resonance.jobs WHERE country <> 'Iceland' ORDER BY md5(id::text) DESC
                 LIMIT (SELECT count(*) * 3 / 200 FROM resonance.jobs));
    INSERT INTO public.bench_filters_moved VALUES (true);
  END IF;
END \$\$;
ANALYZE resonance.jobs;
-- Queries: resume embeddings. Filters: none, a country of 22 %, a country of 9 %, a city of 3 %,
-- and a city within its country.
CREATE TABLE bench_filters.queries AS
  SELECT row_number() OVER (ORDER BY text, id) AS q, embedding FROM resonance.resumes
  WHERE embedding IS NOT NULL ORDER BY text, id LIMIT $QUERIES;
CREATE TABLE bench_filters.filters (name text, country text, city text);
INSERT INTO bench_filters.filters VALUES
  ('none', NULL, NULL), ('United States', 'United States', NULL), ('Germany', 'Germany', NULL),
  ('Dublin, Ireland', 'Ireland', 'Dublin'), ('Berlin, Germany', 'Germany', 'Berlin'),
  ('Oslo, Norway', 'Norway', 'Oslo'), ('Reykjavik, Iceland', 'Iceland', 'Reykjavik');
CREATE TABLE bench_filters.exact AS
  SELECT f.name, q.q, t.id
  FROM bench_filters.filters f, bench_filters.queries q,
       LATERAL (SELECT j.id FROM resonance.jobs j
                WHERE j.embedding IS NOT NULL AND (f.country IS NULL OR j.country = f.country)
                  AND (f.city IS NULL OR j.city = f.city)
                ORDER BY (j.embedding <=> q.embedding) + 0 LIMIT 100) t;
CREATE TABLE bench_filters.runs (setting text, round int, name text, ms_per_call float8, recall float8);
-- retrieve_jobs's query with sorts off: only the HNSW index can give its order.
CREATE FUNCTION bench_filters.hnsw(query vector, k int, want_country text, want_city text)
RETURNS TABLE (id uuid) LANGUAGE plpgsql STABLE
SET hnsw.ef_search = 100 SET hnsw.iterative_scan = relaxed_order SET plan_cache_mode = force_custom_plan
SET enable_sort = off
AS \$f\$ BEGIN
  RETURN QUERY SELECT j.id FROM resonance.jobs j
  WHERE j.embedding IS NOT NULL AND (want_country IS NULL OR j.country = want_country)
    AND (want_city IS NULL OR j.city = want_city)
  ORDER BY j.embedding <=> query LIMIT k;
END \$f\$;
CREATE FUNCTION bench_filters.run(setting text, round int) RETURNS void LANGUAGE plpgsql AS \$\$
DECLARE f record; t0 timestamptz; found int := 0;
BEGIN
  FOR f IN SELECT * FROM bench_filters.filters LOOP
    CREATE TEMP TABLE got ON COMMIT DROP AS SELECT 0::bigint AS q, NULL::uuid AS id LIMIT 0;
    t0 := clock_timestamp();
    IF setting = 'hnsw' THEN
      INSERT INTO got SELECT q.q, r.id FROM bench_filters.queries q,
        LATERAL bench_filters.hnsw(q.embedding, 100, f.country, f.city) r;
    ELSE
      INSERT INTO got SELECT q.q, r.id FROM bench_filters.queries q,
        LATERAL resonance.retrieve_jobs(q.embedding, 100, f.country, f.city) r;
    END IF;
    INSERT INTO bench_filters.runs
    SELECT setting, round, f.name, extract(epoch FROM clock_timestamp() - t0) * 1000 / (SELECT count(*) FROM bench_filters.queries),
           (SELECT count(*) FROM got JOIN bench_filters.exact e ON (e.name, e.q, e.id) = (f.name, got.q, got.id))::float8
             / (SELECT count(*) FROM bench_filters.exact e WHERE e.name = f.name);
    DROP TABLE got;
  END LOOP;
END \$\$;
SQL
# Round 0 warms the caches (the index and the rows) and is not counted.
for round in $(seq 0 "$ROUNDS"); do
  for setting in shipped hnsw; do psql_ -c "SELECT bench_filters.run('$setting', $round)" >/dev/null; done
done
psql_ -c "
  SELECT f.name AS filter, (SELECT count(*) FROM resonance.jobs j WHERE (f.country IS NULL OR j.country = f.country)
                                                  AND (f.city IS NULL OR j.city = f.city)) AS jobs_passing,
         round(avg(r.recall) FILTER (WHERE setting = 'shipped')::numeric, 3) AS recall_shipped,
         round(avg(r.recall) FILTER (WHERE setting = 'hnsw')::numeric, 3) AS recall_hnsw,
         round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms_per_call) FILTER (WHERE setting = 'shipped')::numeric, 2) AS ms_shipped,
         round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms_per_call) FILTER (WHERE setting = 'hnsw')::numeric, 2) AS ms_hnsw,
         round((percentile_cont(0.5) WITHIN GROUP (ORDER BY ms_per_call) FILTER (WHERE setting = 'hnsw') /
                percentile_cont(0.5) WITHIN GROUP (ORDER BY ms_per_call) FILTER (WHERE setting = 'shipped'))::numeric, 2) AS hnsw_over_shipped
  FROM bench_filters.runs r JOIN bench_filters.filters f USING (name) WHERE r.round > 0
  GROUP BY f.name, f.country, f.city ORDER BY jobs_passing DESC"
echo "[filters] medians over $ROUNDS rounds of $QUERIES queries; ms per retrieve_jobs call (top 100); load average $(cut -d' ' -f1-3 /proc/loadavg)"
