-- resonance 0.1.0 -> 0.2.0 (ALTER EXTENSION resonance UPDATE). What changed:
--   * every routine runs with a fixed search_path (restores and SET search_path = '' work);
--   * an all-zero embedding is refused on write (it made every score NaN);
--   * a text with no letter or digit is empty (resonance.has_content), so such a row is
--     no longer queued for resonance_embed_pending, where it stopped every batch;
--   * resonance_explain gains forms with resonance_match's options (no DEFAULT, so the
--     two-argument forms stay unambiguous);
--   the other Rust functions keep their SQL signatures and symbols (their jsonb arguments
--   are now read key by key, which changes no definition).
-- Like every upgrade script (pgvector's too), it repeats what the install script
-- (sql/resonance.sql) says about the changed objects; scripts/test_upgrade.sh checks that
-- an updated database has exactly a fresh install's schema.
\echo Use "ALTER EXTENSION resonance UPDATE" to load this file. \quit

-- All-zero embeddings stored under 0.1.0 are set NULL first, so the constraint holds and
-- CALL resonance_embed_pending() computes real ones.
UPDATE resonance.jobs SET embedding = NULL WHERE vector_norm(embedding) = 0;
UPDATE resonance.resumes SET embedding = NULL WHERE vector_norm(embedding) = 0;
ALTER TABLE resonance.jobs ADD CONSTRAINT jobs_embedding_not_zero CHECK (vector_norm(embedding) > 0);
ALTER TABLE resonance.resumes ADD CONSTRAINT resumes_embedding_not_zero CHECK (vector_norm(embedding) > 0);

-- resonance_explain scored with the caller's options.
CREATE FUNCTION @extschema@."resonance_explain"(
	"resume_id" uuid, /* Uuid */
	"job_id" uuid, /* Uuid */
	"options" jsonb /* JsonArg */
) RETURNS jsonb /* JsonB */
STRICT STABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'resonance_explain_ids_with_options_wrapper';

CREATE FUNCTION @extschema@."resonance_explain"(
	"resume" TEXT, /* &str */
	"job" TEXT, /* &str */
	"options" jsonb /* JsonArg */
) RETURNS jsonb /* JsonB */
STRICT STABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'resonance_explain_text_with_options_wrapper';

-- Text with no letter or digit is empty, for the documents as for the encoder.
CREATE FUNCTION resonance."has_content"(
	"input" TEXT /* &str */
) RETURNS bool /* bool */
IMMUTABLE STRICT PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'text_has_content_wrapper';

-- The IMMUTABLE SQL helpers stay inlinable (no SET clause) and name every object's schema.
CREATE OR REPLACE FUNCTION resonance.job_document(title text, description text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT CASE WHEN resonance.has_content(title) OR resonance.has_content(description)
                  THEN pg_catalog.concat_ws(' ', nullif(pg_catalog.btrim(title), ''), nullif(pg_catalog.btrim(description), '')) END $$;

CREATE OR REPLACE FUNCTION resonance.resume_document(body text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT CASE WHEN resonance.has_content(body) THEN pg_catalog.btrim(body) END $$;

CREATE OR REPLACE FUNCTION resonance.rerank_text_key(body text) RETURNS uuid
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT pg_catalog.md5(body)::uuid $$;

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
