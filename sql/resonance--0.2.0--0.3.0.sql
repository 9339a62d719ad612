-- resonance 0.2.0 -> 0.3.0 (ALTER EXTENSION resonance UPDATE). What changed:
--   * occupation inference (issue 9): kg_title_labels holds every name a title is known by;
--     resonance_infer_occupations(title, description) infers a job's occupations, stored on write in
--     jobs.occupations and read by resonance_match's skill stage instead of an exact
--     lookup of the title; resonance_infer_resume_occupations(resume, title) does the same for
--     resumes (resumes.occupations), which the skill stage reads too;
--   * resonance.retrieve_jobs returns the stored occupations (a new result column, so it is
--     dropped and created again);
--   * jobs.skill_ids: the skills a job's text names, stored on write with the occupations
--     (resonance.job_skill_ids), which resonance_match reads instead of extracting them;
--   * server-wide statistics (issue 14): resonance_stats(), resonance_stats_counters(),
--     resonance_stats_reset() and the views over the first two;
--   * the cross-encoder score cache's fingerprints are computed by resonance_match (issue 13):
--     resonance.store_rerank_scores takes them instead of the texts, and
--     resonance.cached_rerank_scores is gone (stage 1 reads the cached rows with the jobs).
-- Like every upgrade script, it repeats what the install script (sql/resonance.sql) says
-- about the changed objects; scripts/test_upgrade.sh checks that an updated database has
-- exactly a fresh install's schema.
\echo Use "ALTER EXTENSION resonance UPDATE" to load this file. \quit

-- Pending (NULL) for every existing job: CALL resonance_embed_pending() infers them.
ALTER TABLE resonance.jobs ADD COLUMN occupations jsonb, ADD COLUMN occupations_kg_version bigint,
                          ADD COLUMN skill_ids uuid[];
ALTER TABLE resonance.resumes ADD COLUMN occupations jsonb, ADD COLUMN occupations_kg_version bigint;

CREATE TABLE resonance.kg_title_labels (
  id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  title_id  uuid NOT NULL REFERENCES resonance.kg_titles (id) ON DELETE CASCADE,
  label     text NOT NULL CHECK (label <> ''),
  embedding vector(384) CONSTRAINT kg_title_labels_embedding_not_zero CHECK (vector_norm(embedding) > 0),
  UNIQUE (title_id, label)
);
CREATE INDEX kg_title_labels_embedding ON resonance.kg_title_labels
  USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64);

SELECT pg_catalog.pg_extension_config_dump('resonance.kg_title_labels', '');
SELECT pg_catalog.pg_extension_config_dump('resonance.kg_title_labels_id_seq', '');
CREATE TRIGGER kg_title_labels_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON resonance.kg_title_labels
  FOR EACH STATEMENT EXECUTE FUNCTION resonance.bump_kg_version();

CREATE FUNCTION @extschema@."resonance_infer_occupations"(
	"title" TEXT, /* &str */
	"description" TEXT DEFAULT '' /* &str */
) RETURNS jsonb /* pgrx::datum::json::JsonB */
STRICT STABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'resonance_infer_occupations_wrapper';

CREATE FUNCTION @extschema@."resonance_infer_resume_occupations"(
	"resume" TEXT, /* core::option::Option<&str> */
	"title" TEXT DEFAULT NULL /* core::option::Option<&str> */
) RETURNS jsonb /* core::option::Option<pgrx::datum::json::JsonB> */
STABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'resonance_infer_resume_occupations_wrapper';

CREATE OR REPLACE FUNCTION resonance.embed_job_row() RETURNS trigger
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

CREATE OR REPLACE FUNCTION resonance.embed_resume_row() RETURNS trigger
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

CREATE OR REPLACE PROCEDURE @extschema@.resonance_embed_pending(batch_size int DEFAULT 256)
LANGUAGE plpgsql
AS $$
DECLARE
  target record;
  ids uuid[];
  docs text[];
  done bigint;
  total bigint;
  current_kg bigint;
  last_id uuid;
BEGIN
  IF batch_size IS NULL OR batch_size < 1 THEN
    RAISE EXCEPTION 'resonance_embed_pending: batch_size must be a positive integer, got %', batch_size;
  END IF;
  FOR target IN SELECT * FROM (VALUES
      ('jobs', 'resonance.job_document(title, description)'),
      ('resumes', 'resonance.resume_document(text)')) AS t(tab, doc)
  LOOP
    EXECUTE format('SELECT count(*) FROM resonance.%I WHERE embedding IS NULL AND %s IS NOT NULL',
                   target.tab, target.doc) INTO total;
    done := 0;
    LOOP
      EXECUTE format('SELECT array_agg(id), array_agg(doc) FROM (SELECT id, %s AS doc FROM resonance.%I
                       WHERE embedding IS NULL AND %s IS NOT NULL ORDER BY id LIMIT $1) s',
                     target.doc, target.tab, target.doc)
        INTO ids, docs USING batch_size;
      EXIT WHEN ids IS NULL;
      EXECUTE format('UPDATE resonance.%I AS t SET embedding = e.embedding
                        FROM unnest($1, @extschema@.resonance_encode($2)) AS e(id, embedding)
                       WHERE t.id = e.id', target.tab)
        USING ids, docs;
      done := done + cardinality(ids);
      RAISE NOTICE 'resonance_embed_pending: % % of % embedded', target.tab, done, total;
      COMMIT;
    END LOOP;
  END LOOP;
  -- Rows whose occupations are pending or were inferred under an older taxonomy. Each batch
  -- takes the next ids in order, so a row whose inference stays empty is not taken again.
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
                         AND ($2::uuid IS NULL OR id > $2) ORDER BY id LIMIT $3) s', target.tab)
        INTO ids USING current_kg, last_id, batch_size;
      EXIT WHEN ids IS NULL;
      EXECUTE format('UPDATE resonance.%I SET %s, occupations_kg_version = $1 WHERE id = ANY ($2)',
                     target.tab, target.doc)
        USING current_kg, ids;
      last_id := ids[cardinality(ids)];
      done := done + cardinality(ids);
      RAISE NOTICE 'resonance_embed_pending: % occupations % of % inferred', target.noun, done, total;
      COMMIT;
    END LOOP;
  END LOOP;
END
$$;

DROP FUNCTION resonance.retrieve_jobs(vector, int, text, text, boolean, text, text);
CREATE FUNCTION resonance.retrieve_jobs(
  query vector, k int,
  want_country text DEFAULT NULL, want_city text DEFAULT NULL, remote_only boolean DEFAULT false,
  want_experience text DEFAULT NULL, want_company text DEFAULT NULL)
RETURNS TABLE (id uuid, title text, description text, company text, country text, city text,
               remote boolean, experience_level text, occupations jsonb, skill_ids uuid[], cosine real)
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
         (1 - (j.embedding <=> query))::real
  FROM resonance.jobs j
  WHERE j.embedding IS NOT NULL
    AND (want_country IS NULL OR j.country = want_country)
    AND (want_city IS NULL OR j.city = want_city)
    AND (NOT remote_only OR j.remote)
    AND (want_experience IS NULL OR j.experience_level = want_experience)
    AND (want_company IS NULL OR j.company = want_company)
  ORDER BY j.embedding <=> query
  LIMIT k;
END
$$;

DROP FUNCTION resonance.cached_rerank_scores(uuid, uuid, int, text, uuid[], text[]);
DROP FUNCTION resonance.store_rerank_scores(uuid, uuid, int, text, uuid[], text[], real[]);
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

CREATE FUNCTION resonance."job_skill_ids"(
	"document" TEXT /* &str */
) RETURNS uuid[] /* alloc::vec::Vec<pgrx::datum::uuid::Uuid> */
STRICT STABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'job_skill_ids_wrapper';

CREATE FUNCTION @extschema@."resonance_stats"() RETURNS TABLE (
	"kind" TEXT,  /* alloc::string::String */
	"name" TEXT,  /* alloc::string::String */
	"calls" bigint,  /* i64 */
	"errors" bigint,  /* core::option::Option<i64> */
	"p50_ms" double precision,  /* core::option::Option<f64> */
	"p95_ms" double precision,  /* core::option::Option<f64> */
	"p99_ms" double precision  /* core::option::Option<f64> */
)
STRICT VOLATILE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'resonance_stats_wrapper';

CREATE FUNCTION @extschema@."resonance_stats_counters"() RETURNS TABLE (
	"name" TEXT,  /* alloc::string::String */
	"value" bigint  /* i64 */
)
STRICT VOLATILE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'resonance_stats_counters_wrapper';

CREATE FUNCTION @extschema@."resonance_stats_reset"() RETURNS void
STRICT VOLATILE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'resonance_stats_reset_wrapper';

-- Server-wide statistics (src/postgres/stats.rs): the views read shared memory, which
-- exists only with shared_preload_libraries = 'resonance' (otherwise they raise an ERROR
-- saying so, as pg_stat_statements does). Resetting is for superusers.
CREATE VIEW @extschema@.resonance_stats AS SELECT * FROM @extschema@.resonance_stats();
COMMENT ON VIEW @extschema@.resonance_stats IS
  'Calls, errors and latency percentiles per Resonance function and per resonance_match stage, server-wide';
CREATE VIEW @extschema@.resonance_stats_counters AS SELECT * FROM @extschema@.resonance_stats_counters();
COMMENT ON VIEW @extschema@.resonance_stats_counters IS
  'Rerank-cache hits and misses, model loads, skill index builds and opens, taxonomy version in use';
GRANT SELECT ON @extschema@.resonance_stats, @extschema@.resonance_stats_counters TO PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.resonance_stats_reset() FROM PUBLIC;

-- The fixed search_path of every routine: as the last block of sql/resonance.sql.
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
