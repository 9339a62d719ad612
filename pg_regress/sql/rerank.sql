-- Model files are named under a fixed link to the installed models (scripts/test.sh), so
-- the expected output holds no install path.
SET resonance.model_dir = '/tmp/resonance-regress-models';
-- resonance_rerank needs an active cross-encoder; without one it says so (55000).
SELECT count(*) AS active_cross_encoders FROM resonance.ml_models WHERE model_type = 'cross_encoder' AND is_active;
SELECT resonance_rerank('Python developer', ARRAY['Django engineer']) IS NOT NULL AS scored
WHERE NOT EXISTS (SELECT FROM resonance.ml_models WHERE model_type = 'cross_encoder' AND is_active);
\echo :LAST_ERROR_SQLSTATE
-- resonance_match without one ranks without reranking: quietly by default, with a NOTICE
-- when the options ask for the cross-encoder; the ranking is the one with the stage off.
\set r1 '00000000-0000-4000-b000-000000000001'
CREATE TEMP TABLE stage_off AS
  SELECT job_id, rank, final_score FROM resonance_match(:'r1', '{}', '{"explain": false, "use_cross_encoder": false}');
CREATE TEMP TABLE by_default AS
  SELECT job_id, rank, final_score, cross_encoder_score FROM resonance_match(:'r1', '{}', '{"explain": false}');
CREATE TEMP TABLE asked AS
  SELECT job_id, rank, final_score, cross_encoder_score FROM resonance_match(:'r1', '{}', '{"explain": false, "use_cross_encoder": true}');
SELECT count(*) AS returned, count(d.cross_encoder_score) + count(a.cross_encoder_score) AS reranked,
       bool_and(d.job_id = o.job_id AND d.final_score = o.final_score
                AND a.job_id = o.job_id AND a.final_score = o.final_score) AS same_as_stage_off
FROM stage_off o JOIN by_default d USING (rank) JOIN asked a USING (rank);
SELECT resonance_last_match_stats()->'stages'->'cross_encoder' AS stats_cross_encoder;
SELECT (resonance_explain(:'r1'::uuid, '00000000-0000-4000-a000-000000000001'::uuid, '{"use_cross_encoder": true}')->>'overall_score')::real
     = (resonance_explain(:'r1'::uuid, '00000000-0000-4000-a000-000000000001'::uuid, '{"use_cross_encoder": false}')->>'overall_score')::real
  AS explain_falls_back_too;
-- With the stage off, model_version is not looked up.
SELECT count(*) AS returned FROM resonance_match(:'r1', '{}', '{"use_cross_encoder": false, "model_version": "nope"}');
-- A registered artifact must be a sequence classifier inside resonance.model_dir.
INSERT INTO resonance.ml_models (name, version, model_type, artifact_path) VALUES
  ('not-a-classifier', '1', 'cross_encoder', 'all-minilm-l6-v2'),
  ('escapee', '1', 'cross_encoder', '../../../../etc'),
  ('missing', '1', 'cross_encoder', 'no-such-model');
SELECT resonance_activate_model('not-a-classifier', '1');
SELECT resonance_rerank('Python developer', ARRAY['Django engineer']);
SELECT resonance_activate_model('escapee', '1');
SELECT resonance_rerank('Python developer', ARRAY['Django engineer']);
SELECT resonance_activate_model('missing', '1');
SELECT resonance_rerank('Python developer', ARRAY['Django engineer']);
DELETE FROM resonance.ml_models WHERE name IN ('not-a-classifier', 'escapee', 'missing');
-- model_version must name a registered cross-encoder.
SELECT * FROM resonance_match('00000000-0000-4000-b000-000000000001', '{}', '{"model_version": "nope"}');
