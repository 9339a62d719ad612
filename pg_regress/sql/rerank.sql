-- Model files are named under a fixed link to the installed models (scripts/test.sh), so
-- the expected output holds no install path.
SET resonance.model_dir = '/tmp/resonance-regress-models';
-- resonance_rerank needs an active cross-encoder; without one it says so.
SELECT count(*) AS active_cross_encoders FROM resonance.ml_models WHERE model_type = 'cross_encoder' AND is_active;
SELECT resonance_rerank('Python developer', ARRAY['Django engineer']) IS NOT NULL AS scored
WHERE NOT EXISTS (SELECT FROM resonance.ml_models WHERE model_type = 'cross_encoder' AND is_active);
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
