-- Safety: what a careless or hostile caller gets. Each case shows its SQLSTATE and message.
CREATE FUNCTION pg_temp.outcome(query text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE query;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- Every routine of the extension runs with a fixed search_path, and none is SECURITY DEFINER.
-- The exceptions name every object schema-qualified: procedures (COMMIT is not allowed
-- under a SET clause) and the IMMUTABLE SQL helpers (kept inlinable).
SELECT CASE WHEN p.proconfig::text LIKE '%search_path=pg_catalog, public, resonance, public, pg_temp%' THEN 'fixed search_path'
            WHEN p.prokind = 'p' THEN 'procedure: ' || p.proname
            WHEN p.provolatile = 'i' AND p.prolang = (SELECT oid FROM pg_language WHERE lanname = 'sql') THEN 'immutable sql: ' || p.proname
            ELSE 'caller''s search_path: ' || p.proname END AS path,
       count(*) AS routines, count(*) FILTER (WHERE p.prosecdef) AS security_definer
FROM pg_depend d JOIN pg_proc p ON p.oid = d.objid
WHERE d.classid = 'pg_proc'::regclass AND d.deptype = 'e'
  AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'resonance')
GROUP BY 1 ORDER BY 1;

-- The whole pipeline under an empty search_path (as pg_restore runs): encode, the insert
-- trigger, match and explain.
SET search_path = '';
SELECT public.vector_dims(public.resonance_encode('Forklift operator')) AS dims;
INSERT INTO resonance.resumes (id, text) VALUES ('00000000-0000-4000-c000-000000000001', 'Forklift operator, warehouse, night shifts');
SELECT embedding IS NOT NULL AS embedded FROM resonance.resumes WHERE id = '00000000-0000-4000-c000-000000000001';
SELECT count(*) AS matches FROM public.resonance_match('00000000-0000-4000-b000-000000000001');
SELECT public.resonance_explain('Python developer', 'Django engineer') ? 'overall_score' AS explained;
CALL public.resonance_embed_pending();
SET search_path = resonance;
SELECT count(*) AS matches FROM public.resonance_match('00000000-0000-4000-b000-000000000001');
RESET search_path;

-- JSON arguments: nesting, numbers and sizes Postgres accepts but the engine does not.
SELECT pg_temp.outcome($q$SELECT * FROM resonance_match('00000000-0000-4000-b000-000000000001',
  ('{"country": ' || repeat('[', 5000) || repeat(']', 5000) || '}')::jsonb)$q$);
SELECT pg_temp.outcome($q$SELECT * FROM resonance_match('00000000-0000-4000-b000-000000000001',
  (repeat('[', 5000) || repeat(']', 5000))::jsonb)$q$);
SELECT pg_temp.outcome($q$SELECT * FROM resonance_match('00000000-0000-4000-b000-000000000001', '{}', '{"top_k_final": 1e400}')$q$);
SELECT pg_temp.outcome($q$SELECT * FROM resonance_match('00000000-0000-4000-b000-000000000001',
  jsonb_build_object('company', repeat('x', 100000)))$q$);
SELECT pg_temp.outcome($q$SELECT resonance_ab_variant('u1', 'exp', ('{"a": ' || repeat('[', 500) || repeat(']', 500) || '}')::jsonb)$q$);

-- NULL and unknown arguments.
SELECT pg_temp.outcome($q$SELECT resonance_evaluate(NULL)$q$);
SELECT pg_temp.outcome($q$SELECT resonance_evaluate('no_such_table')$q$);
SELECT pg_temp.outcome($q$SELECT * FROM resonance_match('00000000-0000-4000-b000-00000000ffff')$q$);
SELECT pg_temp.outcome($q$SELECT resonance_explain('00000000-0000-4000-b000-000000000001'::uuid, '00000000-0000-4000-a000-00000000ffff'::uuid)$q$);
SELECT pg_temp.outcome($q$SELECT * FROM resonance_match('00000000-0000-4000-b000-000000000001', '{}', '{"model_version": "no-such-version"}')$q$);

-- Text with no letter or digit is empty, whatever bytes it holds.
SELECT pg_temp.outcome($q$SELECT resonance_encode(E'\u200b')$q$);
SELECT pg_temp.outcome($q$SELECT resonance_encode(E'\x01\x02 \t')$q$);
SELECT pg_temp.outcome($q$SELECT resonance_encode(ARRAY['fine', E'\u200b\u2060'])$q$);
-- Such a row is stored without an embedding and never queued: the bulk path is not
-- stopped by it, and matching it says why it cannot.
SET resonance.embed_on_write = off;
INSERT INTO resonance.resumes (id, text) VALUES ('00000000-0000-4000-c000-000000000002', E'\u200b \x01');
INSERT INTO resonance.jobs (id, title, description) VALUES ('00000000-0000-4000-c000-00000000000b', E'\u200b', '');
RESET resonance.embed_on_write;
INSERT INTO resonance.resumes (id, text) VALUES ('00000000-0000-4000-c000-000000000003', E'\u2060');
CALL resonance_embed_pending();
SELECT id, embedding IS NULL AS no_embedding, resonance.resume_document(text) IS NULL AS no_document
FROM resonance.resumes WHERE id IN ('00000000-0000-4000-c000-000000000002', '00000000-0000-4000-c000-000000000003') ORDER BY id;
SELECT pg_temp.outcome($q$SELECT * FROM resonance_match('00000000-0000-4000-c000-000000000002')$q$);
DELETE FROM resonance.resumes WHERE id IN ('00000000-0000-4000-c000-000000000002', '00000000-0000-4000-c000-000000000003');
DELETE FROM resonance.jobs WHERE id = '00000000-0000-4000-c000-00000000000b';

-- All-zero embeddings: refused on write, and rows stored before that never score NaN.
SELECT pg_temp.outcome($q$INSERT INTO resonance.jobs (title, embedding) VALUES ('Zero', array_fill(0, ARRAY[384])::real[]::vector)$q$);
SELECT pg_temp.outcome($q$UPDATE resonance.resumes SET embedding = array_fill(0, ARRAY[384])::real[]::vector
  WHERE id = '00000000-0000-4000-c000-000000000001'$q$);
ALTER TABLE resonance.resumes DROP CONSTRAINT resumes_embedding_not_zero;
ALTER TABLE resonance.jobs DROP CONSTRAINT jobs_embedding_not_zero;
UPDATE resonance.resumes SET embedding = array_fill(0, ARRAY[384])::real[]::vector WHERE id = '00000000-0000-4000-c000-000000000001';
INSERT INTO resonance.jobs (id, title, embedding) VALUES ('00000000-0000-4000-c000-00000000000a', 'Zero', array_fill(0, ARRAY[384])::real[]::vector);
SELECT pg_temp.outcome($q$SELECT * FROM resonance_match('00000000-0000-4000-c000-000000000001')$q$);
SELECT count(*) AS rows, count(*) FILTER (WHERE final_score = 'NaN' OR bi_encoder_score = 'NaN') AS nan_scores,
       count(*) FILTER (WHERE job_id = '00000000-0000-4000-c000-00000000000a') AS zero_job
FROM resonance_match('00000000-0000-4000-b000-000000000001', '{}', '{"top_k_retrieve": 100, "top_k_final": 100}');
DELETE FROM resonance.jobs WHERE id = '00000000-0000-4000-c000-00000000000a';
DELETE FROM resonance.resumes WHERE id = '00000000-0000-4000-c000-000000000001';
ALTER TABLE resonance.resumes ADD CONSTRAINT resumes_embedding_not_zero CHECK (vector_norm(embedding) > 0);
ALTER TABLE resonance.jobs ADD CONSTRAINT jobs_embedding_not_zero CHECK (vector_norm(embedding) > 0);

-- Model paths from resonance.ml_models stay inside resonance.model_dir: the artifact and
-- the base of a delta cross-encoder alike.
SET resonance.model_dir = '/tmp/resonance-regress-models';
INSERT INTO resonance.ml_models (name, version, model_type, artifact_path, config) VALUES
  ('absolute', 's1', 'cross_encoder', '/etc', '{}'),
  ('base-escape', 's2', 'cross_encoder', 'test-cross-encoder', '{"base": "../../../../etc"}'),
  ('base-absolute', 's3', 'cross_encoder', 'test-cross-encoder', '{"base": "/tmp"}');
SELECT pg_temp.outcome(format($q$SELECT * FROM resonance_match('00000000-0000-4000-b000-000000000001', '{}', '{"model_version": "%s"}')$q$, v))
FROM unnest(ARRAY['s1', 's2', 's3']) AS v;
DELETE FROM resonance.ml_models WHERE version IN ('s1', 's2', 's3');
-- model_dir itself must be absolute (a relative one would resolve against the data directory).
SET resonance.model_dir = '../..';
SELECT pg_temp.outcome($q$SELECT resonance_encode('relative model dir')$q$);
RESET resonance.model_dir;

-- One role's last match is not another's to read.
CREATE ROLE resonance_lowpriv;
SELECT count(*) FROM resonance_match('00000000-0000-4000-b000-000000000001', '{}', '{"explain": false}');
SELECT resonance_last_match_stats() ? 'resume_id' AS own_stats;
SET ROLE resonance_lowpriv;
SELECT resonance_last_match_stats() IS NULL AS other_role_sees_nothing;
RESET ROLE;
SELECT resonance_last_match_stats() ? 'resume_id' AS own_stats_again;
DROP ROLE resonance_lowpriv;

-- NULL arguments are an ERROR (22004), never zero rows that read as "no job fits":
-- '{}' is how a call says "no filters" or "default options".
SELECT pg_temp.outcome($q$SELECT * FROM resonance_match(NULL)$q$);
SELECT pg_temp.outcome($q$SELECT * FROM resonance_match('00000000-0000-4000-b000-000000000001', NULL)$q$);
SELECT pg_temp.outcome($q$SELECT * FROM resonance_match('00000000-0000-4000-b000-000000000001', '{}', NULL)$q$);

-- Weights are checked in the precision fusion uses: none underflows to 0 or overflows.
SELECT pg_temp.outcome($q$SELECT * FROM resonance_match('00000000-0000-4000-b000-000000000001', '{}', '{"weight_bi_encoder": 1e-50}')$q$);
SELECT pg_temp.outcome($q$SELECT * FROM resonance_match('00000000-0000-4000-b000-000000000001', '{}', '{"weight_bi_encoder": 1e308}')$q$);
SELECT count(*) AS rows, bool_and(final_score > 0) AS positive
FROM resonance_match('00000000-0000-4000-b000-000000000001', '{}', '{"weight_bi_encoder": 1e-6, "weight_skill_graph": 1e6}');

-- Place and company filters compare trimmed, NFC-normalised and case-folded
-- (resonance.filter_key), stored values as given values.
SELECT f AS filter, count(m.*) AS rows
FROM unnest(ARRAY['{"country": "Germany"}', '{"country": "germany"}', '{"country": " GERMANY "}',
                  '{"company": "northwind analytics"}']::jsonb[]) AS f
LEFT JOIN LATERAL resonance_match('00000000-0000-4000-b000-000000000001', f, '{"explain": false}') m ON true
GROUP BY f ORDER BY f::text;
INSERT INTO resonance.jobs (id, title, description, country, city) VALUES
  ('00000000-0000-4000-c000-0000000000f1', 'Backend Engineer', 'Python, Django', 'Atlantis ', U&'Z\00FCrich');
SELECT f AS filter, count(m.*) AS rows
FROM unnest(ARRAY['{"country": "atlantis"}', '{"city": "zürich"}', '{"city": "ZU\u0308RICH"}']::jsonb[]) AS f
LEFT JOIN LATERAL resonance_match('00000000-0000-4000-b000-000000000001', f, '{"explain": false}') m ON true
GROUP BY f ORDER BY f::text;
DELETE FROM resonance.jobs WHERE id = '00000000-0000-4000-c000-0000000000f1';

-- A judgement with a NULL part is refused (22004), not read as an empty id.
CREATE TEMP TABLE null_qrels AS
SELECT * FROM (VALUES (NULL::uuid, '00000000-0000-4000-a000-000000000001'::uuid, 2)) v(resume_id, job_id, grade);
SELECT pg_temp.outcome($q$SELECT resonance_evaluate('null_qrels')$q$);
UPDATE null_qrels SET resume_id = '00000000-0000-4000-b000-000000000001', grade = NULL;
SELECT pg_temp.outcome($q$SELECT resonance_evaluate('null_qrels')$q$);

