-- Stage 1, resonance.retrieve_jobs: a country (and city) filter that leaves at most
-- sqrt(k N) of the N jobs (and at most resonance.exact_retrieval_rows) is ranked exactly,
-- read through the jobs_country_city btree; any other call goes through the HNSW index. Which index a call read is taken from
-- the statistics views. Sequential scans are off, so that even the 40 sample jobs are read
-- through an index (the function turns sorts off for the HNSW path itself).
SET enable_seqscan = off;
ANALYZE resonance.jobs;  -- N is the planner's estimate
CREATE TEMP TABLE q AS SELECT resonance_encode('Python backend developer with PostgreSQL') AS v;
CREATE FUNCTION pg_temp.index_scans(OUT hnsw bigint, OUT btree bigint) LANGUAGE sql AS $$
  SELECT sum(idx_scan) FILTER (WHERE indexrelname = 'jobs_embedding_hnsw'),
         sum(idx_scan) FILTER (WHERE indexrelname = 'jobs_country_city')
  FROM pg_stat_user_indexes WHERE schemaname = 'resonance' $$;
-- The exact answer, for comparison.
CREATE TEMP VIEW exact_top AS
  SELECT array_agg(id ORDER BY d) AS ids
  FROM (SELECT j.id, j.embedding <=> q.v AS d FROM resonance.jobs j, q
        WHERE j.country = 'Germany' ORDER BY d LIMIT 5) t;
SELECT count(*) AS germany, count(*) - 1 AS one_fewer FROM resonance.jobs WHERE country = 'Germany' \gset
SELECT :germany > 5 AS enough_jobs;

-- k = 5 of N = 40: up to sqrt(5 * 40) = 14 jobs are ranked exactly, so Germany's 10 are,
-- without the HNSW index.
SELECT pg_stat_force_next_flush();
SELECT hnsw AS hnsw0, btree AS btree0 FROM pg_temp.index_scans() \gset
CREATE TEMP TABLE found AS SELECT array_agg(r.id ORDER BY r.cosine DESC) AS ids
  FROM q, resonance.retrieve_jobs(q.v, 5, 'Germany') r;
SELECT pg_stat_force_next_flush();
SELECT hnsw - :hnsw0 AS hnsw_scans, btree - :btree0 > 0 AS read_btree FROM pg_temp.index_scans();
SELECT found.ids = exact_top.ids AS exact_order FROM found, exact_top;

-- k = 1: up to sqrt(1 * 40) = 6 jobs, fewer than Germany's: through the HNSW index.
SELECT hnsw AS hnsw0 FROM pg_temp.index_scans() \gset
SELECT count(*) AS found FROM q, resonance.retrieve_jobs(q.v, 1, 'Germany');
SELECT pg_stat_force_next_flush();
SELECT hnsw - :hnsw0 > 0 AS read_hnsw FROM pg_temp.index_scans();

-- A cap of one job fewer than the filter leaves: through the HNSW index.
SET resonance.exact_retrieval_rows = :one_fewer;
SELECT hnsw AS hnsw0 FROM pg_temp.index_scans() \gset
SELECT count(*) AS found FROM q, resonance.retrieve_jobs(q.v, 5, 'Germany');
SELECT pg_stat_force_next_flush();
SELECT hnsw - :hnsw0 > 0 AS read_hnsw FROM pg_temp.index_scans();
-- A cap of exactly as many: exact again.
SET resonance.exact_retrieval_rows = :germany;
SELECT hnsw AS hnsw0 FROM pg_temp.index_scans() \gset
SELECT count(*) AS found FROM q, resonance.retrieve_jobs(q.v, 5, 'Germany');
SELECT pg_stat_force_next_flush();
SELECT hnsw - :hnsw0 AS hnsw_scans FROM pg_temp.index_scans();
-- 0 turns the exact path off; no country filter never takes it.
SET resonance.exact_retrieval_rows = 0;
SELECT hnsw AS hnsw0 FROM pg_temp.index_scans() \gset
SELECT count(*) AS found FROM q, resonance.retrieve_jobs(q.v, 5, 'Germany');
SELECT pg_stat_force_next_flush();
SELECT hnsw - :hnsw0 > 0 AS read_hnsw FROM pg_temp.index_scans();
RESET resonance.exact_retrieval_rows;
SELECT hnsw AS hnsw0 FROM pg_temp.index_scans() \gset
SELECT count(*) AS found FROM q, resonance.retrieve_jobs(q.v, 5, NULL, NULL, true);
SELECT pg_stat_force_next_flush();
SELECT hnsw - :hnsw0 > 0 AS read_hnsw FROM pg_temp.index_scans();
-- The function turned sorts off for its HNSW path only: the session's setting is untouched.
SHOW enable_sort;
-- Bad values are refused by the setting itself.
SET resonance.exact_retrieval_rows = -1;
RESET enable_seqscan;
