-- The cross-encoder score cache, resonance.rerank_scores, over the sample data. The model is
-- the tests' cross-encoder (scripts/make_test_cross_encoder.py, written by scripts/test.sh):
-- a fixed untrained head, whose scores mean nothing but are deterministic.
INSERT INTO resonance.ml_models (name, version, model_type, artifact_path, config)
VALUES ('test-cross-encoder', '1', 'cross_encoder', 'test-cross-encoder', '{"base": "all-minilm-l6-v2"}');
UPDATE resonance.ml_models SET is_active = (name = 'test-cross-encoder') WHERE model_type = 'cross_encoder';
\set r1 '00000000-0000-4000-b000-000000000001'
\set r2 '00000000-0000-4000-b000-000000000002'
CREATE TEMP VIEW cache_stats AS
  SELECT s->'hits' AS hits, s->'computed' AS computed, s->'stored' AS stored
  FROM (SELECT resonance_last_match_stats()->'stages'->'rerank_cache' AS s) x;

-- Cold: every candidate is scored by the model and written back.
SELECT count(*) AS cached FROM resonance.rerank_scores;
CREATE TEMP TABLE cold AS
  SELECT job_id, cross_encoder_score, final_score FROM resonance_match(:'r1', '{}', '{"explain": false, "top_k_final": 40}');
SELECT * FROM cache_stats;
SELECT count(*) AS cached, count(DISTINCT job_id) AS jobs FROM resonance.rerank_scores WHERE resume_id = :'r1';

-- Warm: every score comes from the cache, and equals the cold call's...
CREATE TEMP TABLE warm AS
  SELECT job_id, cross_encoder_score, final_score FROM resonance_match(:'r1', '{}', '{"explain": false, "top_k_final": 40}');
SELECT * FROM cache_stats;
SELECT count(*) AS same_scores FROM cold JOIN warm USING (job_id)
WHERE cold.cross_encoder_score = warm.cross_encoder_score AND cold.final_score = warm.final_score;
-- ... and a fresh computation (resonance_rerank of the texts, which has no cache).
CREATE TEMP VIEW fresh AS
  SELECT j.id AS job_id, (resonance_rerank(r.text, ARRAY[resonance.job_document(j.title, j.description)]))[1] AS score
  FROM resonance.jobs j, resonance.resumes r WHERE r.id = :'r1';
SELECT count(*) AS compared, bool_and(abs(f.score - w.cross_encoder_score) < 1e-5) AS same_as_fresh
FROM warm w JOIN fresh f USING (job_id);
-- Cached scores are used even when the latency budget allows no computation at all.
SELECT count(*) AS returned, count(cross_encoder_score) AS reranked
FROM resonance_match(:'r1', '{}', '{"explain": false, "rerank_budget_ms": 0}');

-- A change the model does not read (the city) keeps the cached score.
SELECT job_id AS top_job FROM cold ORDER BY final_score DESC LIMIT 1 \gset
UPDATE resonance.jobs SET city = city WHERE id = :'top_job';
SELECT count(*) FROM resonance_match(:'r1', '{}', '{"explain": false, "top_k_final": 40}');
SELECT * FROM cache_stats;
-- After an UPDATE of the job's description, the old score is not used: that job alone is
-- scored again, its new score is the fresh one for the new text, and its row is replaced.
SELECT cross_encoder_score AS old_score FROM cold WHERE job_id = :'top_job' \gset
UPDATE resonance.jobs SET description = 'Night shift warehouse forklift driver, no software.' WHERE id = :'top_job';
CREATE TEMP TABLE edited AS
  SELECT job_id, cross_encoder_score FROM resonance_match(:'r1', '{}', '{"explain": false, "top_k_final": 40}');
SELECT * FROM cache_stats;
SELECT e.cross_encoder_score <> :old_score AS score_changed, abs(e.cross_encoder_score - r.score) < 1e-5 AS same_as_fresh
FROM edited e JOIN fresh r USING (job_id) WHERE job_id = :'top_job';
SELECT s.job_key = resonance.rerank_text_key(resonance.job_document(j.title, j.description)) AS row_replaced
FROM resonance.rerank_scores s JOIN resonance.jobs j ON j.id = s.job_id
WHERE s.resume_id = :'r1' AND s.job_id = :'top_job';
-- Budget 0 with the edited job's old row made stale by hand: the stale score is never used.
UPDATE resonance.rerank_scores SET job_key = resonance.rerank_text_key('an older text')
WHERE resume_id = :'r1' AND job_id = :'top_job';
SELECT cross_encoder_score IS NULL AS stale_not_used
FROM resonance_match(:'r1', '{}', '{"explain": false, "top_k_final": 40, "rerank_budget_ms": 0}') WHERE job_id = :'top_job';

-- resonance_rerank and resonance_explain of stored rows read the cache too: a valid cached
-- score set by hand (one the model would not give) is what they return and fuse (an
-- explanation's overall_score has 4 decimals).
SELECT job_id AS other_job FROM warm WHERE job_id <> :'top_job' ORDER BY final_score DESC LIMIT 1 \gset
UPDATE resonance.rerank_scores SET score = 0.123 WHERE resume_id = :'r1' AND job_id = :'other_job';
SELECT score AS reranked_from_cache FROM resonance_rerank(:'r1'::uuid, ARRAY[:'other_job'::uuid]);
CREATE TEMP TABLE tampered AS
  SELECT job_id, cross_encoder_score, final_score
  FROM resonance_match(:'r1', '{}', '{"explain": false, "top_k_final": 40}') WHERE job_id = :'other_job';
SELECT t.cross_encoder_score AS matched_from_cache, t.final_score <> w.final_score AS fused_differently,
       abs((resonance_explain(:'r1'::uuid, :'other_job'::uuid)->>'overall_score')::real - t.final_score) <= 5e-5
         AS explained_as_matched
FROM tampered t JOIN warm w USING (job_id);
-- A stale row (for an older job text) is not used: the score is computed afresh, and not
-- written back (resonance_rerank and resonance_explain are STABLE).
UPDATE resonance.rerank_scores SET job_key = resonance.rerank_text_key('an older text')
WHERE resume_id = :'r1' AND job_id = :'other_job';
SELECT abs(r.score - f.score) < 1e-5 AS fresh_again
FROM resonance_rerank(:'r1'::uuid, ARRAY[:'other_job'::uuid]) r JOIN fresh f USING (job_id);
SELECT abs((resonance_explain(:'r1'::uuid, :'other_job'::uuid)->>'overall_score')::real - w.final_score) <= 5e-5
  AS explained_fresh_again
FROM warm w WHERE job_id = :'other_job';
SELECT job_key = resonance.rerank_text_key('an older text') AS not_written
FROM resonance.rerank_scores WHERE resume_id = :'r1' AND job_id = :'other_job';

-- Deleting a job deletes its cached scores.
BEGIN;
DELETE FROM resonance.jobs WHERE id = :'top_job';
SELECT count(*) AS rows_of_deleted_job FROM resonance.rerank_scores WHERE job_id = :'top_job';
ROLLBACK;

-- A read-only transaction (as on a hot standby) still matches and reranks, and writes nothing.
BEGIN;
SET TRANSACTION READ ONLY;
SELECT count(*) AS returned, count(cross_encoder_score) AS reranked FROM resonance_match(:'r2', '{}', '{"explain": false}');
SELECT * FROM cache_stats;
COMMIT;
SELECT count(*) AS written FROM resonance.rerank_scores WHERE resume_id = :'r2';

-- The precompute procedure fills the cache for every resume (here its top 10 candidates),
-- committing per batch; it is a procedure, so not inside a transaction block.
CALL resonance_rerank_precompute(4, 10);
SELECT count(DISTINCT resume_id) AS resumes, count(*) AS rows FROM resonance.rerank_scores;
CALL resonance_rerank_precompute(0);
BEGIN;
CALL resonance_rerank_precompute(16, 10);
ROLLBACK;

-- Deleting the model deletes its scores; no cross-encoder is active afterwards.
DELETE FROM resonance.ml_models WHERE name = 'test-cross-encoder';
SELECT count(*) AS cached FROM resonance.rerank_scores;
CALL resonance_rerank_precompute(16, 10);
