-- A cancel or statement_timeout stops a call that is busy in the models with Postgres's own
-- SQLSTATE 57014, and the backend goes on working with its models unharmed (README, "Cancel
-- and statement_timeout"). How soon is measured by scripts/bench_cancel.sh, not tested here.
\set VERBOSITY sqlstate
\set sentence 'experienced engineer building reliable data pipelines with python and sql. '
CREATE TEMP TABLE before AS SELECT resonance_encode('still alive') AS embedding;

-- 256 texts of 256 tokens: seconds of work on any machine, stopped after 200 ms.
SET statement_timeout = '200ms';
SELECT count(*) FROM unnest(resonance_encode(ARRAY(
  SELECT i || ' ' || repeat(:'sentence', 40) FROM generate_series(1, 256) i)));
RESET statement_timeout;
SELECT resonance_encode('still alive') = embedding AS same_embedding_after_cancel FROM before;

-- A 10 MB text is tokenised only as far as truncation at 256 tokens needs, and embeds
-- exactly as its first 4.5 kB do (both are cut at the same 254 tokens).
SELECT resonance_encode(repeat(:'sentence', 140000)) = resonance_encode(repeat(:'sentence', 60)) AS ten_mb_as_its_prefix;

-- The cross-encoder stops the same way (the tests' cross-encoder, as in rerank_cache).
INSERT INTO resonance.ml_models (name, version, model_type, artifact_path, config)
VALUES ('cancel-test-ce', '1', 'cross_encoder', 'test-cross-encoder', '{"base": "all-minilm-l6-v2"}');
SELECT resonance_activate_model('cancel-test-ce', '1');
CREATE TEMP TABLE scored AS SELECT resonance_rerank('Python developer', ARRAY['Django engineer']) AS scores;
SET statement_timeout = '200ms';
SELECT cardinality(resonance_rerank(repeat(:'sentence', 40), ARRAY(
  SELECT i || ' ' || repeat(:'sentence', 40) FROM generate_series(1, 256) i)));
RESET statement_timeout;
SELECT resonance_rerank('Python developer', ARRAY['Django engineer']) = scores AS same_scores_after_cancel FROM scored;
DELETE FROM resonance.ml_models WHERE name = 'cancel-test-ce';
\set VERBOSITY default
