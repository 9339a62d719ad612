-- resonance_match over the sample data loaded by the "sample" test.
-- Every resume's expected job ranks first.
SELECT r.title, m.job_id = (r.metadata->>'expected_best_job')::uuid AS expected_first
FROM resonance.resumes r
CROSS JOIN LATERAL resonance_match(r.id) m
WHERE m.rank = 1
ORDER BY r.title;

-- Result shape: ranks 1..25, scores in [0, 1], final scores non-increasing, one latency.
SELECT count(*) AS n, min(rank) AS first, max(rank) AS last,
       bool_and(final_score BETWEEN 0 AND 1 AND bi_encoder_score BETWEEN 0 AND 1) AS in_range,
       count(DISTINCT latency_ms) AS latencies, bool_and(latency_ms > 0) AS timed,
       bool_and(explanation ? 'summary' AND explanation ? 'skills' AND explanation ? 'location') AS explained
FROM resonance_match('00000000-0000-4000-b000-000000000001');
SELECT bool_and(final_score >= next_score) AS ordered FROM (
  SELECT final_score, lead(final_score, 1, 0) OVER (ORDER BY rank) AS next_score
  FROM resonance_match('00000000-0000-4000-b000-000000000001')) s;
SELECT jsonb_object_keys(resonance_last_match_stats()) AS stats_key ORDER BY 1;

-- Options: top_k_final, explain off, weights.
SELECT count(*) AS n, count(explanation) AS explained
FROM resonance_match('00000000-0000-4000-b000-000000000003', '{}', '{"top_k_final": 3, "explain": false}');

-- Each filter excludes what it must.
SELECT count(*) > 0 AS some, bool_and(j.country = 'Germany') AS only_germany
FROM resonance_match('00000000-0000-4000-b000-000000000001', '{"country": "Germany"}') m JOIN resonance.jobs j ON j.id = m.job_id;
SELECT count(*) > 0 AS some, bool_and(j.city = 'London') AS only_london
FROM resonance_match('00000000-0000-4000-b000-000000000001', '{"city": "London"}') m JOIN resonance.jobs j ON j.id = m.job_id;
SELECT count(*) = (SELECT count(*) FROM resonance.jobs WHERE remote) AS all_remote_jobs, bool_and(j.remote) AS only_remote
FROM resonance_match('00000000-0000-4000-b000-000000000001', '{"remote_only": true}', '{"top_k_final": 40}') m
JOIN resonance.jobs j ON j.id = m.job_id;
SELECT count(*) > 0 AS some, bool_and(j.experience_level = 'senior') AS only_senior
FROM resonance_match('00000000-0000-4000-b000-000000000001', '{"experience": "senior"}') m JOIN resonance.jobs j ON j.id = m.job_id;
SELECT count(*) AS n, bool_and(j.company = 'Northwind Analytics') AS only_northwind
FROM resonance_match('00000000-0000-4000-b000-000000000001', '{"company": "Northwind Analytics"}') m JOIN resonance.jobs j ON j.id = m.job_id;
SELECT count(*) AS none_in_atlantis FROM resonance_match('00000000-0000-4000-b000-000000000001', '{"country": "Atlantis"}');
-- Filter values are data, not SQL.
SELECT count(*) AS injected FROM resonance_match('00000000-0000-4000-b000-000000000001', $${"country": "x' OR '1'='1"}$$);
SELECT count(*) AS jobs_intact FROM resonance.jobs;

-- A selective filter still fills k from the index, and agrees with exact search.
SET enable_seqscan = off;
SELECT count(*) AS k_filled FROM resonance.retrieve_jobs(
  (SELECT embedding FROM resonance.resumes WHERE id = '00000000-0000-4000-b000-000000000001'), 5, 'United States');
SELECT count(*) AS agree_with_exact FROM (
  SELECT id FROM resonance.retrieve_jobs(
    (SELECT embedding FROM resonance.resumes WHERE id = '00000000-0000-4000-b000-000000000001'), 5, 'United States')
  INTERSECT
  SELECT id FROM (SELECT j.id FROM resonance.jobs j, resonance.resumes r
                  WHERE r.id = '00000000-0000-4000-b000-000000000001' AND j.country = 'United States'
                  ORDER BY (j.embedding <=> r.embedding) + 0 LIMIT 5) e) s;
RESET enable_seqscan;

-- Bad input: each a clear ERROR naming the problem.
SELECT * FROM resonance_match('00000000-0000-0000-0000-000000000000');
SELECT count(*) AS null_resume FROM resonance_match(NULL);
SELECT * FROM resonance_match('00000000-0000-4000-b000-000000000001', '{"contry": "Germany"}');
SELECT * FROM resonance_match('00000000-0000-4000-b000-000000000001', '{"remote_only": "yes"}');
SELECT * FROM resonance_match('00000000-0000-4000-b000-000000000001', '{"experience": "wizard"}');
SELECT * FROM resonance_match('00000000-0000-4000-b000-000000000001', '["country"]');
SELECT * FROM resonance_match('00000000-0000-4000-b000-000000000001', '{"country": "Germany"');
SELECT * FROM resonance_match('00000000-0000-4000-b000-000000000001', '{}', '{"top_k": 5}');
SELECT * FROM resonance_match('00000000-0000-4000-b000-000000000001', '{}', '{"top_k_retrieve": 0}');
SELECT * FROM resonance_match('00000000-0000-4000-b000-000000000001', '{}', '{"weight_bi_encoder": -1}');

-- resonance_explain on texts and on stored rows.
SELECT e->>'overall_strength' AS strength, e ? 'summary' AS has_summary, e->'location'->>'match' AS location
FROM resonance_explain('Senior Python developer, Django and PostgreSQL', 'Backend engineer: Python, Django') e;
SELECT e->'experience'->>'required' AS required, e->'experience'->>'candidate' AS candidate,
       e->'location'->>'match' AS location, e->>'summary' AS summary
FROM resonance_explain('00000000-0000-4000-b000-000000000001'::uuid, '00000000-0000-4000-a000-000000000001'::uuid) e;
SELECT e->'concerns' AS concerns
FROM resonance_explain('00000000-0000-4000-b000-000000000002'::uuid, '00000000-0000-4000-a000-000000000005'::uuid) e;
SELECT resonance_explain('', 'job');
SELECT resonance_explain('00000000-0000-4000-b000-000000000001'::uuid, '00000000-0000-0000-0000-000000000000'::uuid);

-- With the skill graph loaded (test "skills"), explanations name the skills.
SELECT m.skill_graph_score IS NOT NULL AS scored,
       m.explanation->'skills'->'matched' AS matched, m.explanation->'skills'->'missing' AS missing,
       m.explanation->'skills'->'related' AS related
FROM resonance_match('00000000-0000-4000-b000-000000000001') m
WHERE m.job_id = '00000000-0000-4000-a000-000000000001';
SELECT m.explanation->'skills'->'matched' AS matched, m.explanation->'skills'->'missing' AS missing
FROM resonance_match('00000000-0000-4000-b000-000000000004', '{}', '{"top_k_final": 40}') m
WHERE m.job_id = '00000000-0000-4000-a000-000000000013';
-- A backend engineer against a DevOps job: what matches, what is near, what is missing.
SELECT e->'skills'->'matched' AS matched, e->'skills'->'related' AS related, e->'skills'->'missing' AS missing
FROM resonance_explain('00000000-0000-4000-b000-000000000001'::uuid, '00000000-0000-4000-a000-000000000013'::uuid) e;
-- Turning the skill graph off renormalises the weights onto the bi-encoder.
SELECT bool_and(skill_graph_score IS NULL) AS no_sg, bool_and(abs(final_score - bi_encoder_score) < 1e-6) AS bi_only
FROM resonance_match('00000000-0000-4000-b000-000000000001', '{}', '{"use_skill_graph": false}');

-- Occupation fit: a job's occupations are inferred from its title (resonance_infer_occupations)
-- over every label a title is known by (kg_title_labels), stored on write, and bring the
-- occupation's skill profile.
INSERT INTO resonance.kg_titles (name, normalized_name, source) VALUES ('Backend Engineers', 'backend engineers', 'test');
INSERT INTO resonance.kg_title_skills (title_id, skill_id, importance)
SELECT t.id, s.id, 1.0 FROM resonance.kg_titles t, resonance.kg_skills s
WHERE t.name = 'Backend Engineers' AND s.name IN ('Python', 'Django', 'PostgreSQL', 'Celery', 'Redis');
INSERT INTO resonance.kg_title_labels (title_id, label, embedding)
SELECT t.id, l, resonance_encode(l) FROM resonance.kg_titles t,
       unnest(ARRAY['Backend Engineers', 'server-side developer', 'API engineer']) AS l
WHERE t.name = 'Backend Engineers';
-- A title without a profile is never proposed (no fit could be computed for it).
INSERT INTO resonance.kg_titles (name, normalized_name, source) VALUES ('Backend Baristas', 'backend baristas', 'test');
INSERT INTO resonance.kg_title_labels (title_id, label, embedding)
SELECT t.id, t.name, resonance_encode(t.name) FROM resonance.kg_titles t WHERE t.name = 'Backend Baristas';
SELECT g->>'occupation' AS occupation, (g->>'confidence')::real > 0.5 AS confident
FROM unnest(ARRAY['Senior Backend Engineer (Python/Django)', 'Server-Side Developer III', 'Sr. API Engineer - Remote']) AS t,
     jsonb_array_elements(resonance_infer_occupations(t)) g;
SELECT resonance_infer_occupations(''), resonance_infer_occupations(' !? '), resonance_infer_occupations(NULL) IS NULL AS null_in_null_out;
SELECT jsonb_array_length(resonance_infer_occupations(repeat('backend engineer ', 60000))) AS one_mb_title;
-- The taxonomy changed after the jobs were stored: resonance_embed_pending infers them again.
SELECT count(*) FILTER (WHERE occupations_kg_version < (SELECT version FROM resonance.kg_version)) > 0 AS stale
FROM resonance.jobs;
-- Until then resonance_match uses the stored ones and says so, naming the call; after it,
-- nothing is stale and it says nothing.
SELECT count(*) AS matches FROM resonance_match('00000000-0000-4000-b000-000000000001', '{}', '{"explain": false}');
CALL resonance_embed_pending();
SELECT count(*) AS matches FROM resonance_match('00000000-0000-4000-b000-000000000001', '{}', '{"explain": false}');
SELECT count(*) FILTER (WHERE occupations_kg_version = (SELECT version FROM resonance.kg_version)) = count(*) AS fresh,
       count(*) FILTER (WHERE occupations->0->>'occupation' = 'Backend Engineers') > 0 AS some_backend
FROM resonance.jobs;
SELECT e->'skills'->'occupation'->>'title' AS occupation,
       (e->'skills'->'occupation'->>'confidence')::real > 0.5 AS confident,
       e->'skills'->'occupation'->'typical_skills' AS typical,
       (e->'skills'->'occupation'->>'fit')::real > 0.5 AS fits,
       (SELECT count(*) FROM jsonb_array_elements_text(e->'highlights') h WHERE h LIKE 'Skills typical of Backend Engineers (the job''s likely occupation, %') AS highlighted
FROM resonance_explain('00000000-0000-4000-b000-000000000001'::uuid, '00000000-0000-4000-a000-000000000001'::uuid) e;
-- A retitled job is inferred again on write, from its new title.
UPDATE resonance.jobs SET title = 'Server-Side Developer (Python)' WHERE id = '00000000-0000-4000-a000-000000000002';
SELECT occupations->0->>'occupation' AS occupation FROM resonance.jobs WHERE id = '00000000-0000-4000-a000-000000000002';
-- A resume's occupations come from the titles it states (its title column, its headline,
-- the roles of its experience section) and the skills it names, stored on write and
-- refreshed with the jobs' (resume 1 was stored before the title above existed).
SELECT occupations->0->>'occupation' AS occupation, (occupations->0->>'confidence')::real > 0.3 AS confident,
       occupations_kg_version = (SELECT version FROM resonance.kg_version) AS fresh
FROM resonance.resumes WHERE id = '00000000-0000-4000-b000-000000000001';
SELECT resonance_infer_resume_occupations('I build things for the web.', 'API Engineer')->0->>'occupation' AS from_title_column,
       resonance_infer_resume_occupations(E'Jane Doe\nServer-Side Developer, Acme (2019-2024)\nI build things.')->0->>'occupation' AS from_role,
       resonance_infer_resume_occupations('') AS empty, resonance_infer_resume_occupations(NULL) IS NULL AS null_in_null_out,
       jsonb_typeof(resonance_infer_resume_occupations(repeat('Backend engineer with Python. ', 35000), repeat('x', 1000))) AS one_mb_resume;
-- The skill stage reads them: a resume naming no skill but stating its title fits the jobs
-- inferred to be that occupation (option use_resume_occupations, on by default).
INSERT INTO resonance.resumes (id, text, title)
VALUES ('00000000-0000-4000-b000-0000000000aa', 'I build things for the web and keep them running.', 'API Engineer');
SELECT (SELECT skill_graph_score FROM resonance_match('00000000-0000-4000-b000-0000000000aa', '{}', o || '{"top_k_final": 40}')
         WHERE job_id = '00000000-0000-4000-a000-000000000001') > 0.3 AS fits,
       e->'skills'->'occupation'->'candidate'->>'occupation' AS candidate
FROM (VALUES ('{}'::jsonb), ('{"use_resume_occupations": false}')) v(o),
     resonance_explain('00000000-0000-4000-b000-0000000000aa'::uuid, '00000000-0000-4000-a000-000000000001'::uuid, o) e;
DELETE FROM resonance.resumes WHERE id = '00000000-0000-4000-b000-0000000000aa';
-- A malformed stored value is an ERROR naming the resume.
BEGIN;
UPDATE resonance.resumes SET occupations = '{"occupation": "Backend Engineers"}' WHERE id = '00000000-0000-4000-b000-000000000001';
SELECT count(*) FROM resonance_match('00000000-0000-4000-b000-000000000001');
ROLLBACK;
CREATE TEMP TABLE with_title AS
SELECT job_id, skill_graph_score FROM resonance_match('00000000-0000-4000-b000-000000000001', '{}', '{"top_k_final": 40}');
-- Stored occupations are data: a malformed value is an ERROR naming the job.
BEGIN;
UPDATE resonance.jobs SET occupations = '[{"occupation": "Backend Engineers", "confidence": 7}]' WHERE id = '00000000-0000-4000-a000-000000000001';
SELECT count(*) FROM resonance_match('00000000-0000-4000-b000-000000000001');
ROLLBACK;
DELETE FROM resonance.kg_titles WHERE source = 'test';
SELECT e->'skills' ? 'occupation' AS has_occupation
FROM resonance_explain('00000000-0000-4000-b000-000000000001'::uuid, '00000000-0000-4000-a000-000000000001'::uuid) e;
-- The profile moved the skill scores of jobs inferred to be backend engineering only.
SELECT count(*) > 0 AS changed, bool_and(j.occupations @> '[{"occupation": "Backend Engineers"}]') AS only_backend_jobs
FROM resonance_match('00000000-0000-4000-b000-000000000001', '{}', '{"top_k_final": 40}') m JOIN with_title w USING (job_id)
JOIN resonance.jobs j ON j.id = m.job_id
WHERE w.skill_graph_score IS DISTINCT FROM m.skill_graph_score;
-- Those stored occupations named titles the taxonomy no longer has: inferred again.
CALL resonance_embed_pending();
-- resonance_explain takes resonance_match's options: its overall_score is the pair's
-- final_score under the same options, weights and stages alike.
SELECT o AS options,
       abs((resonance_explain('00000000-0000-4000-b000-000000000001'::uuid, '00000000-0000-4000-a000-000000000002'::uuid, o)->>'overall_score')::real
           - (SELECT final_score FROM resonance_match('00000000-0000-4000-b000-000000000001', '{}', o || '{"top_k_final": 40}')
              WHERE job_id = '00000000-0000-4000-a000-000000000002')) < 0.001 AS same_score
FROM (VALUES ('{}'::jsonb), ('{"use_skill_graph": false}'), ('{"weight_bi_encoder": 0.1, "weight_skill_graph": 0.9}')) v(o);
SELECT (resonance_explain('Python developer, Django', 'Django engineer', '{"weight_bi_encoder": 1, "weight_skill_graph": 0}')->>'overall_score')::real
     <> (resonance_explain('Python developer, Django', 'Django engineer', '{"weight_bi_encoder": 0, "weight_skill_graph": 1}')->>'overall_score')::real
       AS weights_matter;
SELECT resonance_explain('Python developer', 'Django engineer', '{"wieght_bi_encoder": 1}');
