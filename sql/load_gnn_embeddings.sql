-- Loads one train_gnn run into the database: records the model in resonance.ml_models and,
-- only if the run's verdict is that the GNN helps, writes resonance.kg_skills.gnn_embedding
-- and makes the model the active 'skill_gnn'.
--
-- Usage (psql, as a user who may write the resonance tables):
--   psql -v run_dir=/absolute/path/to/train_gnn/out -f sql/load_gnn_embeddings.sql
-- run_dir holds metrics.json, gnn_embeddings.tsv and skill_gat.safetensors as train_gnn wrote
-- them. Idempotent: running it again for the same run_dir leaves the same state (the model row
-- is keyed by name and version; the embeddings are overwritten with the same values).

\set ON_ERROR_STOP on
\if :{?run_dir}
\else
  \echo 'usage: psql -v run_dir=/path/to/train_gnn/out -f sql/load_gnn_embeddings.sql'
  \quit
\endif
-- \copy takes its file name literally, so move to the run directory instead of naming it there.
\cd :run_dir

BEGIN;

-- metrics.json is one line of JSON; CSV with quote and delimiter bytes that JSON never
-- contains reads it as a single field without text-format backslash processing.
CREATE TEMP TABLE gnn_run (doc jsonb NOT NULL) ON COMMIT DROP;
\copy gnn_run (doc) FROM 'metrics.json' WITH (FORMAT csv, QUOTE E'\x01', DELIMITER E'\x02')

CREATE TEMP TABLE gnn_run_embeddings (skill_id uuid PRIMARY KEY, embedding vector(384) NOT NULL) ON COMMIT DROP;
\copy gnn_run_embeddings (skill_id, embedding) FROM 'gnn_embeddings.tsv'

-- A run file that is not train_gnn's stops here rather than half-loading.
DO $$
BEGIN
  IF (SELECT count(*) FROM gnn_run) <> 1
     OR (SELECT doc->>'name' IS NULL OR doc->>'version' IS NULL OR jsonb_typeof(doc->'helps') <> 'boolean' FROM gnn_run) THEN
    RAISE EXCEPTION 'metrics.json is not a train_gnn run record (needs name, version and helps on one line)';
  END IF;
END
$$;

-- The model row: inactive until the verdict below says otherwise.
INSERT INTO resonance.ml_models (name, version, model_type, artifact_path, config, metrics, is_active)
SELECT doc->>'name', doc->>'version', doc->>'model_type', :'run_dir' || '/' || (doc->>'artifact'), doc->'config', doc->'metrics', false
FROM gnn_run
ON CONFLICT (name, version) DO UPDATE
SET model_type = EXCLUDED.model_type, artifact_path = EXCLUDED.artifact_path,
    config = EXCLUDED.config, metrics = EXCLUDED.metrics;

-- Embeddings only from a run that helped; skills deleted since the export are skipped.
UPDATE resonance.kg_skills AS s
SET gnn_embedding = e.embedding
FROM gnn_run_embeddings AS e, gnn_run AS r
WHERE s.id = e.skill_id
  AND (r.doc->>'helps')::boolean
  AND s.gnn_embedding IS DISTINCT FROM e.embedding;

-- One active model per type (the ml_models_one_active index): retire the others first.
UPDATE resonance.ml_models AS m
SET is_active = false
FROM gnn_run AS r
WHERE (r.doc->>'helps')::boolean
  AND m.model_type = r.doc->>'model_type'
  AND m.is_active
  AND (m.name, m.version) IS DISTINCT FROM (r.doc->>'name', r.doc->>'version');

UPDATE resonance.ml_models AS m
SET is_active = true
FROM gnn_run AS r
WHERE (r.doc->>'helps')::boolean
  AND m.name = r.doc->>'name'
  AND m.version = r.doc->>'version'
  AND NOT m.is_active;

SELECT m.name, m.version, m.is_active,
       (m.metrics->>'test_auc_input')::real AS auc_input,
       (m.metrics->>'test_auc_gnn')::real AS auc_gnn,
       (SELECT count(*) FROM gnn_run_embeddings) AS embeddings_in_file
FROM resonance.ml_models AS m JOIN gnn_run AS r ON m.name = r.doc->>'name' AND m.version = r.doc->>'version';

COMMIT;
