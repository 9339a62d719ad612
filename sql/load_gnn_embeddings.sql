-- Loads one train_gnn run into the database: records the model in resonance.ml_models and,
-- only if the run's verdict is that the GNN helps, writes resonance.kg_skills.gnn_embedding
-- and makes the model the active 'skill_gnn'. scripts/train_gnn.sh runs it after training.
--
-- Usage (psql, as a user who may write the resonance tables):
--   psql -v run_dir=/absolute/run/dir -v artifact_path=skill-gat/<version> -v kg_version=N \
--        -f sql/load_gnn_embeddings.sql
-- run_dir holds metrics.json and gnn_embeddings.tsv as train_gnn wrote them; artifact_path is
-- where the weights were put, relative to resonance.model_dir; kg_version is the
-- resonance.kg_version the training graph was exported at; if the graph changed since, it
-- refuses before writing anything. Writing gnn_embedding bumps kg_version, so loading the same
-- kept run twice refuses the second time; scripts/train_gnn.sh checks and skips instead.

\set ON_ERROR_STOP on
\if :{?run_dir}
\else
  \echo 'usage: psql -v run_dir=DIR -v artifact_path=PATH -v kg_version=N -f sql/load_gnn_embeddings.sql'
  \quit
\endif
-- \copy takes its file name literally, so move to the run directory instead of naming it there.
\cd :run_dir

BEGIN;

-- Hold the graph's version: the embeddings are only valid for the graph they were trained on,
-- and no other writer may change it until this load commits.
SELECT version = :'kg_version'::bigint AS same_graph FROM resonance.kg_version FOR UPDATE \gset
\if :same_graph
\else
  DO $$ BEGIN RAISE EXCEPTION 'resonance.kg_version changed since the export: the graph is not the one trained on; train again'; END $$;
\endif

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

-- The model row, inactive until the verdict below says otherwise. The summary keys name the
-- measurement: held-out link-prediction AUC of the plain and the enriched embeddings.
INSERT INTO resonance.ml_models (name, version, model_type, artifact_path, config, metrics, is_active)
SELECT doc->>'name', doc->>'version', doc->>'model_type', :'artifact_path', doc->'config',
       doc->'metrics' || jsonb_build_object(
         'auc_plain', doc->'metrics'->'test_auc_input',
         'auc_gnn', doc->'metrics'->'test_auc_gnn',
         'held_out_edges', doc->'metrics'->'test_pairs',
         'nodes', doc->'metrics'->'nodes',
         'edges', doc->'metrics'->'pairs',
         'seconds', doc->'metrics'->'training_seconds',
         'kg_version_trained', :'kg_version'::bigint,
         'kg_version', :'kg_version'::bigint),
       false
FROM gnn_run
ON CONFLICT (name, version) DO UPDATE
SET model_type = EXCLUDED.model_type, artifact_path = EXCLUDED.artifact_path,
    config = EXCLUDED.config, metrics = EXCLUDED.metrics;

-- Embeddings only from a run that helped: every skill gets this run's (NULL for a skill the
-- run did not see), so no skill keeps an older model's.
UPDATE resonance.kg_skills AS s
SET gnn_embedding = (SELECT e.embedding FROM gnn_run_embeddings AS e WHERE e.skill_id = s.id)
FROM gnn_run AS r
WHERE (r.doc->>'helps')::boolean
  AND s.gnn_embedding IS DISTINCT FROM (SELECT e.embedding FROM gnn_run_embeddings AS e WHERE e.skill_id = s.id);

-- One active model per type (the ml_models_one_active index): retire the others first.
UPDATE resonance.ml_models AS m
SET is_active = false
FROM gnn_run AS r
WHERE (r.doc->>'helps')::boolean
  AND m.model_type = r.doc->>'model_type'
  AND m.is_active
  AND (m.name, m.version) IS DISTINCT FROM (r.doc->>'name', r.doc->>'version');

-- Writing kg_skills bumped resonance.kg_version (its statement trigger); the active model
-- records the version that includes its own embeddings, which scripts/train_gnn.sh checks.
UPDATE resonance.ml_models AS m
SET is_active = true,
    metrics = m.metrics || jsonb_build_object('kg_version', (SELECT version FROM resonance.kg_version))
FROM gnn_run AS r
WHERE (r.doc->>'helps')::boolean
  AND m.name = r.doc->>'name'
  AND m.version = r.doc->>'version';

SELECT m.name, m.version, m.is_active,
       round((m.metrics->>'auc_plain')::numeric, 4) AS auc_plain,
       round((m.metrics->>'auc_gnn')::numeric, 4) AS auc_gnn,
       m.metrics->>'held_out_edges' AS held_out_edges,
       m.metrics->>'nodes' AS nodes,
       m.metrics->>'edges' AS edges,
       round((m.metrics->>'seconds')::numeric, 1) AS seconds,
       m.metrics->>'kg_version' AS kg_version,
       (SELECT count(*) FROM gnn_run_embeddings) AS embeddings_in_file
FROM resonance.ml_models AS m JOIN gnn_run AS r ON m.name = r.doc->>'name' AND m.version = r.doc->>'version';

COMMIT;
