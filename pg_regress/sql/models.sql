-- Model files are named under a fixed link to the installed models (scripts/test.sh), so
-- the expected output holds no install path.
SET resonance.model_dir = '/tmp/resonance-regress-models';
-- The model registry: the shipped fine-tuned bi-encoder, activated and rolled back by SQL.
SELECT name, version, is_active FROM resonance.ml_models WHERE model_type = 'bi_encoder' ORDER BY version;
CREATE TEMP TABLE base_scores AS
SELECT job_id, bi_encoder_score FROM resonance_match('00000000-0000-4000-b000-000000000001', '{}', '{"top_k_final": 10}');
SELECT resonance_last_match_stats()->'stages'->>'bi_encoder' AS bi_encoder;

-- Activating version 2 rescores the same candidates with the projection.
SELECT resonance_activate_model('resonance-bi-projection', '2');
SELECT resonance_models_active()->>'bi_encoder' AS active;
CREATE TEMP TABLE tuned_scores AS
SELECT job_id, bi_encoder_score FROM resonance_match('00000000-0000-4000-b000-000000000001', '{}', '{"top_k_final": 10}');
SELECT resonance_last_match_stats()->'stages'->>'bi_encoder' AS bi_encoder;
SELECT count(*) AS rows, bool_and(bi_encoder_score BETWEEN 0 AND 1) AS in_range FROM tuned_scores;
SELECT count(*) AS rescored FROM base_scores b JOIN tuned_scores t USING (job_id)
WHERE abs(b.bi_encoder_score - t.bi_encoder_score) > 1e-4;
-- resonance_explain scores the pair with the active bi-encoder too.
SELECT (resonance_explain('00000000-0000-4000-b000-000000000001', job_id)->>'overall_score')::real BETWEEN 0 AND 1 AS explained
FROM tuned_scores LIMIT 1;

-- A registered fine-tuned model whose files are missing: a WARNING, and the base model.
INSERT INTO resonance.ml_models (name, version, model_type, artifact_path) VALUES ('half-installed', '3', 'bi_encoder', 'no-such-model');
SELECT resonance_activate_model('half-installed', '3');
SELECT count(*) AS rows FROM resonance_match('00000000-0000-4000-b000-000000000001', '{}', '{"top_k_final": 10}');
SELECT resonance_last_match_stats()->'stages'->>'bi_encoder' AS bi_encoder;
-- An artifact path that leaves resonance.model_dir is refused.
UPDATE resonance.ml_models SET artifact_path = '../../../../etc' WHERE version = '3';
SELECT count(*) FROM resonance_match('00000000-0000-4000-b000-000000000001');

-- Roll back to the base model.
SELECT resonance_activate_model('all-minilm-l6-v2', '1');
SELECT resonance_activate_model('all-minilm-l6-v2', '7');
DELETE FROM resonance.ml_models WHERE version = '3';
SELECT resonance_models_active()->>'bi_encoder' AS active;
SELECT count(*) AS same_as_before FROM base_scores b
JOIN resonance_match('00000000-0000-4000-b000-000000000001', '{}', '{"top_k_final": 10}') m USING (job_id)
WHERE abs(b.bi_encoder_score - m.bi_encoder_score) < 1e-6;

-- Users' interactions as training pairs: hired/applied positive, rejected negative, the
-- latest event of a pair wins.
INSERT INTO resonance.interactions (resume_id, job_id, event, at) VALUES
  ('00000000-0000-4000-b000-000000000001', '00000000-0000-4000-a000-000000000001', 'applied', '2026-01-01'),
  ('00000000-0000-4000-b000-000000000001', '00000000-0000-4000-a000-000000000001', 'hired', '2026-02-01'),
  ('00000000-0000-4000-b000-000000000001', '00000000-0000-4000-a000-000000000002', 'applied', '2026-01-01'),
  ('00000000-0000-4000-b000-000000000001', '00000000-0000-4000-a000-000000000002', 'rejected', '2026-01-05');
SELECT job_occupation AS job_id, kind, label, length(resume) > 0 AS has_resume, job LIKE '%' || j.title || '%' AS has_title
FROM resonance.training_pairs p JOIN resonance.jobs j ON j.id::text = p.job_occupation ORDER BY 1;
SELECT count(*) = 2 AS one_json_line_per_pair FROM (SELECT row_to_json(p) FROM resonance.training_pairs p) s;
DELETE FROM resonance.interactions;
