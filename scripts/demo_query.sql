-- The demo's result: for each sample resume, its three nearest jobs through the HNSW index.
\pset footer off
SELECT count(*) AS jobs, count(embedding) AS jobs_embedded FROM resonance.jobs;
SELECT resonance_models_active() AS active_models;
SET hnsw.ef_search = 40;
SELECT r.title AS resume, n.rank, n.title AS job, n.city, round(n.similarity::numeric, 3) AS similarity
FROM resonance.resumes r
CROSS JOIN LATERAL (
  SELECT j.title, j.city, 1 - (j.embedding <=> r.embedding) AS similarity,
         row_number() OVER (ORDER BY j.embedding <=> r.embedding) AS rank
  FROM resonance.jobs j
  ORDER BY j.embedding <=> r.embedding
  LIMIT 3
) n
ORDER BY r.title, n.rank;
