-- Loads the skill knowledge graph built by build_taxonomy into the resonance tables.
--
-- Run by scripts/load_taxonomy.sh with the TSV directory as psql's working directory
-- (\copy takes no variables, so the file names are relative). Idempotent: rows of the
-- taxonomy's sources are upserted by their natural keys (a skill's name, a title's
-- normalized_name and source), so ids stay stable across reloads and an unchanged skill
-- keeps its embedding; taxonomy rows that are no longer in the files are deleted, and the
-- taxonomy's relations and title links are replaced. Rows from other sources are left
-- alone. All of it is one transaction: a failure leaves the previous taxonomy in place.
\set ON_ERROR_STOP on

BEGIN;

-- The embeddings come as pgvector literals in text columns (the build computed them with
-- the same model), cast when stored; \N means the load computes it below.
CREATE TEMP TABLE stage_skills (
  name text, aliases text[], category text, description text,
  source text, source_key text, popularity_score real, embedding text
) ON COMMIT DROP;
CREATE TEMP TABLE stage_titles (
  name text, normalized_name text, level text, source text, source_key text
) ON COMMIT DROP;
CREATE TEMP TABLE stage_relations (
  source_skill text, target_skill text, relation text, weight real, source text
) ON COMMIT DROP;
CREATE TEMP TABLE stage_title_skills (
  title_normalized_name text, title_source text, skill text, importance real
) ON COMMIT DROP;
CREATE TEMP TABLE stage_title_labels (
  title_normalized_name text, title_source text, label text, embedding text
) ON COMMIT DROP;

\copy stage_skills FROM 'kg_skills.tsv'
\copy stage_titles FROM 'kg_titles.tsv'
\copy stage_relations FROM 'kg_skill_relations.tsv'
\copy stage_title_skills FROM 'kg_title_skills.tsv'
\copy stage_title_labels FROM 'kg_title_labels.tsv'

-- The sources this loader owns. A skill or title from any other source is never touched.
CREATE TEMP TABLE taxonomy_sources (source text PRIMARY KEY) ON COMMIT DROP;
INSERT INTO taxonomy_sources VALUES ('esco'), ('onet'), ('curated'), ('skill-extractor');

-- Skills: upsert by name; a kept name keeps its embedding, a new one takes the file's.
INSERT INTO resonance.kg_skills AS k (name, aliases, category, description, source, source_key, popularity_score, embedding)
SELECT name, aliases, category, description, source, source_key, popularity_score, embedding::vector FROM stage_skills
ON CONFLICT (name) DO UPDATE
  SET aliases = EXCLUDED.aliases, category = EXCLUDED.category, description = EXCLUDED.description,
      source = EXCLUDED.source, source_key = EXCLUDED.source_key, popularity_score = EXCLUDED.popularity_score,
      embedding = coalesce(k.embedding, EXCLUDED.embedding);

DELETE FROM resonance.kg_skills k
 WHERE k.source IN (SELECT source FROM taxonomy_sources)
   AND NOT EXISTS (SELECT 1 FROM stage_skills s WHERE s.name = k.name);

-- Titles: upsert by (normalized_name, source).
INSERT INTO resonance.kg_titles (name, normalized_name, level, source, source_key)
SELECT name, normalized_name, level::resonance.experience_level, source, source_key FROM stage_titles
ON CONFLICT (normalized_name, source) DO UPDATE
  SET name = EXCLUDED.name, level = EXCLUDED.level, source_key = EXCLUDED.source_key;

DELETE FROM resonance.kg_titles t
 WHERE t.source IN (SELECT source FROM taxonomy_sources)
   AND NOT EXISTS (SELECT 1 FROM stage_titles s WHERE s.normalized_name = t.normalized_name AND s.source = t.source);

-- Relations: the taxonomy's derivation sources are one or more of these names joined by '+'.
DELETE FROM resonance.kg_skill_relations
 WHERE source ~ '^(onet_dwa_gwa|cooccurrence_onet|cooccurrence_esco_ict|embedding|esco_umbrella|esco_qualifier|name_containment|enumeration)(\+(onet_dwa_gwa|cooccurrence_onet|cooccurrence_esco_ict|embedding|esco_umbrella|esco_qualifier|name_containment|enumeration))*$';

INSERT INTO resonance.kg_skill_relations (source_skill_id, target_skill_id, relation, weight, source)
SELECT a.id, b.id, r.relation, r.weight, r.source
  FROM stage_relations r
  JOIN resonance.kg_skills a ON a.name = r.source_skill
  JOIN resonance.kg_skills b ON b.name = r.target_skill
ON CONFLICT (source_skill_id, target_skill_id, relation) DO UPDATE
  SET weight = EXCLUDED.weight, source = EXCLUDED.source;

-- Title-skill links of the taxonomy's titles are replaced wholesale.
DELETE FROM resonance.kg_title_skills ts
 USING resonance.kg_titles t
 WHERE ts.title_id = t.id AND t.source IN (SELECT source FROM taxonomy_sources);

INSERT INTO resonance.kg_title_skills (title_id, skill_id, importance)
SELECT t.id, k.id, l.importance
  FROM stage_title_skills l
  JOIN resonance.kg_titles t ON t.normalized_name = l.title_normalized_name AND t.source = l.title_source
  JOIN resonance.kg_skills k ON k.name = l.skill
ON CONFLICT (title_id, skill_id) DO UPDATE SET importance = EXCLUDED.importance;

-- Title labels: upserted by (title, label) so a kept label keeps its embedding; labels of
-- the taxonomy's titles that are no longer in the file are deleted.
INSERT INTO resonance.kg_title_labels AS k (title_id, label, embedding)
SELECT DISTINCT ON (t.id, l.label) t.id, l.label, l.embedding::vector
  FROM stage_title_labels l
  JOIN resonance.kg_titles t ON t.normalized_name = l.title_normalized_name AND t.source = l.title_source
ON CONFLICT (title_id, label) DO UPDATE SET embedding = coalesce(k.embedding, EXCLUDED.embedding);

DELETE FROM resonance.kg_title_labels k
 USING resonance.kg_titles t
 WHERE k.title_id = t.id AND t.source IN (SELECT source FROM taxonomy_sources)
   AND NOT EXISTS (SELECT 1 FROM stage_title_labels l
                    WHERE l.title_normalized_name = t.normalized_name AND l.title_source = t.source AND l.label = k.label);

-- Rows of the files that did not resolve to ids (expected: none).
SELECT (SELECT count(*) FROM stage_relations r
         WHERE NOT EXISTS (SELECT 1 FROM resonance.kg_skills k WHERE k.name = r.source_skill)
            OR NOT EXISTS (SELECT 1 FROM resonance.kg_skills k WHERE k.name = r.target_skill)) AS unresolved_relations,
       (SELECT count(*) FROM stage_title_skills l
         WHERE NOT EXISTS (SELECT 1 FROM resonance.kg_titles t WHERE t.normalized_name = l.title_normalized_name AND t.source = l.title_source)
            OR NOT EXISTS (SELECT 1 FROM resonance.kg_skills k WHERE k.name = l.skill)) AS unresolved_title_skills;

COMMIT;

-- psql variables do not reach inside the DO block's quotes; a session setting does.
SELECT set_config('resonance_load.embed_batch', :'embed_batch', false) AS embed_batch_setting \gset

-- Embeddings of skills and title labels that have none (the files had none), in batches of
-- :embed_batch names, committing after each so a cancel keeps the finished batches. The
-- text is the name alone: skill mentions in resumes and job ads are short names,
-- descriptions exist for only some sources, and the build's RELATED_TO similarity used the
-- names too; a title label is compared with a job title, which is short too.
DO $embed$
DECLARE
  ext_schema text := (SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'resonance');
  batch int := current_setting('resonance_load.embed_batch')::int;
  target record;
  ids text[];
  names text[];
  done bigint;
  total bigint;
BEGIN
  IF ext_schema IS NULL THEN
    RAISE EXCEPTION 'load_taxonomy: the resonance extension is not installed in this database';
  END IF;
  FOR target IN SELECT * FROM (VALUES ('kg_skills', 'name', 'uuid'), ('kg_title_labels', 'label', 'bigint')) AS t(tab, col, id_type)
  LOOP
    EXECUTE format('SELECT count(*) FROM resonance.%I WHERE embedding IS NULL', target.tab) INTO total;
    done := 0;
    LOOP
      EXECUTE format('SELECT array_agg(id::text ORDER BY id), array_agg(%I ORDER BY id)
                        FROM (SELECT id, %I FROM resonance.%I WHERE embedding IS NULL ORDER BY id LIMIT $1) s',
                     target.col, target.col, target.tab)
        INTO ids, names USING batch;
      EXIT WHEN ids IS NULL;
      -- The encode sits in a sub-SELECT: as a direct argument of unnest() the planner's row
      -- estimate would evaluate it once more while planning, encoding every batch twice.
      EXECUTE format('UPDATE resonance.%I AS k SET embedding = e.embedding
                        FROM unnest($1::%s[], (SELECT %I.resonance_encode($2))) AS e(id, embedding) WHERE k.id = e.id',
                     target.tab, target.id_type, ext_schema)
        USING ids, names;
      done := done + cardinality(ids);
      RAISE NOTICE 'load_taxonomy: % of % % embeddings', done, total, target.tab;
      COMMIT;
    END LOOP;
  END LOOP;
END
$embed$;

-- Jobs' occupations inferred under the previous taxonomy (or never) are inferred again.
SELECT extnamespace::regnamespace AS ext_schema FROM pg_extension WHERE extname = 'resonance' \gset
CALL :ext_schema.resonance_embed_pending();

-- What is loaded now.
SELECT 'kg_skills' AS table_name, source AS kind, count(*) FROM resonance.kg_skills GROUP BY source
UNION ALL SELECT 'kg_skills embedded', (embedding IS NOT NULL)::text, count(*) FROM resonance.kg_skills GROUP BY 2
UNION ALL SELECT 'kg_titles', source, count(*) FROM resonance.kg_titles GROUP BY source
UNION ALL SELECT 'kg_title_labels embedded', (embedding IS NOT NULL)::text, count(*) FROM resonance.kg_title_labels GROUP BY 2
UNION ALL SELECT 'kg_skill_relations', relation, count(*) FROM resonance.kg_skill_relations GROUP BY relation
UNION ALL SELECT 'kg_title_skills', t.source, count(*) FROM resonance.kg_title_skills ts JOIN resonance.kg_titles t ON t.id = ts.title_id GROUP BY t.source
ORDER BY 1, 2;
