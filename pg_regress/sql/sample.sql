-- The sample data set: every resume's expected job is among its 3 nearest jobs.
\getenv abs_srcdir PG_ABS_SRCDIR
\set sample_file :abs_srcdir '/../sql/sample_data.sql'
\set ECHO none
\set QUIET on
\i :sample_file
\set QUIET off
\set ECHO all
SELECT count(*) AS jobs, count(embedding) AS embedded FROM resonance.jobs;
SELECT count(*) AS resumes, count(embedding) AS embedded FROM resonance.resumes;
SELECT r.title,
       (SELECT count(*) + 1 FROM resonance.jobs j
         WHERE j.embedding <=> r.embedding
             < (SELECT e.embedding <=> r.embedding FROM resonance.jobs e WHERE e.id = (r.metadata->>'expected_best_job')::uuid)
       ) <= 3 AS expected_in_top3
FROM resonance.resumes r ORDER BY r.title;
-- Exact and HNSW search agree on the top 10 for each resume (recall@10 on 40 jobs).
SET hnsw.ef_search = 40;
SELECT round(avg(hits) / 10, 2) AS recall_at_10 FROM (
  SELECT r.id, (SELECT count(*) FROM
      (SELECT id FROM resonance.jobs ORDER BY embedding <=> r.embedding LIMIT 10) a
      JOIN (SELECT id FROM resonance.jobs ORDER BY (embedding <=> r.embedding) + 0 LIMIT 10) e USING (id)) AS hits
  FROM resonance.resumes r) s;
