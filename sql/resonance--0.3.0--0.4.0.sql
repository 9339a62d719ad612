-- resonance 0.3.0 -> 0.4.0 (ALTER EXTENSION resonance UPDATE). What changed:
--   * resonance_embed_pending() locks each batch (FOR UPDATE SKIP LOCKED) and stores an
--     embedding only where the row still holds the text it was computed from, so a
--     concurrent edit is never overwritten by its old text's embedding and concurrent calls
--     split the work; it and resonance_rerank_precompute() pin their search_path;
--   * a taxonomy change says how many rows hold stale occupations (a NOTICE once per
--     transaction), and resonance.retrieve_jobs returns whether a job's occupations are
--     current (a new result column, so it is dropped and created again), which
--     resonance_match reports;
--   * country, city and company filters compare through resonance.filter_key (trimmed,
--     NFC, lower case), and jobs_country_city indexes those keys;
--   * resonance_match is no longer STRICT: a NULL argument is an ERROR (22004), not zero rows;
--   * the statistics are kept per database: resonance_stats() and resonance_stats_counters()
--     return a dbid column (so they and their views are dropped and created again).
-- Like every upgrade script, it repeats what the install script (sql/resonance.sql) says
-- about the changed objects; scripts/test_upgrade.sh checks that an updated database has
-- exactly a fresh install's schema.
\echo Use "ALTER EXTENSION resonance UPDATE" to load this file. \quit

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
CREATE OR REPLACE PROCEDURE @extschema@.resonance_embed_pending(batch_size int DEFAULT 256)
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

CREATE OR REPLACE PROCEDURE @extschema@.resonance_rerank_precompute(batch_size int DEFAULT 16, top_k int DEFAULT 100)
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

-- How resonance_match's country, city and company filters compare: case-insensitively,
-- after trimming and Unicode NFC normalisation, so "germany", " Germany" and "GERMANY"
-- match a stored "Germany", and a decomposed "Zürich" (u + combining diaeresis) the
-- composed one. lower() follows the database's collation (with LC_CTYPE C, only ASCII
-- letters fold). Needs a UTF8 database, as Unicode normalisation does.
CREATE FUNCTION resonance.filter_key(value text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT pg_catalog.lower(pg_catalog.normalize(pg_catalog.btrim(value), 'NFC')) $$;
DROP INDEX resonance.jobs_country_city;
CREATE INDEX jobs_country_city ON resonance.jobs (resonance.filter_key(country), resonance.filter_key(city));

DROP FUNCTION resonance.retrieve_jobs(vector, int, text, text, boolean, text, text);
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

-- A taxonomy change makes every stored occupation (and job skill list) stale: each row keeps
-- the kg_version it was inferred under. Once per transaction that changes the taxonomy, a
-- NOTICE names how many rows hold stale occupations and the call that infers them again;
-- until then resonance_match uses the stored ones and says so (a NOTICE per call, and
-- resonance_stats_counters' stale_occupations_used).
CREATE OR REPLACE FUNCTION resonance.bump_kg_version() RETURNS trigger
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

-- Not STRICT any more (src/api/matching.rs).
CREATE OR REPLACE FUNCTION @extschema@."resonance_match"(
	"resume_id" uuid, /* core::option::Option<pgrx::datum::uuid::Uuid> */
	"filters" jsonb DEFAULT '{}', /* core::option::Option<resonance::postgres::json_arg::JsonArg> */
	"options" jsonb DEFAULT '{}' /* core::option::Option<resonance::postgres::json_arg::JsonArg> */
) RETURNS TABLE (
	"job_id" uuid,  /* pgrx::datum::uuid::Uuid */
	"title" TEXT,  /* core::option::Option<alloc::string::String> */
	"rank" INT,  /* i32 */
	"bi_encoder_score" real,  /* f32 */
	"cross_encoder_score" real,  /* core::option::Option<f32> */
	"skill_graph_score" real,  /* core::option::Option<f32> */
	"final_score" real,  /* f32 */
	"explanation" jsonb,  /* core::option::Option<pgrx::datum::json::JsonB> */
	"latency_ms" real  /* f32 */
)
VOLATILE PARALLEL RESTRICTED
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'resonance_match_wrapper';

DROP VIEW @extschema@.resonance_stats, @extschema@.resonance_stats_counters;
DROP FUNCTION @extschema@.resonance_stats();
DROP FUNCTION @extschema@.resonance_stats_counters();
CREATE FUNCTION @extschema@."resonance_stats"() RETURNS TABLE (
	"dbid" oid,  /* pgrx_pg_sys::submodules::oids::Oid */
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
	"dbid" oid,  /* pgrx_pg_sys::submodules::oids::Oid */
	"name" TEXT,  /* alloc::string::String */
	"value" bigint  /* i64 */
)
STRICT VOLATILE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'resonance_stats_counters_wrapper';

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
