-- Loads one track of the labelled benchmark (../shared/eval/<track>/) into an empty
-- database with the extension, from the raw JSON lines scripts/eval_pipeline.sh copied
-- into public.eval_raw_jobs / eval_raw_resumes: jobs and resumes go to resonance.*.
-- The ground-truth `occupation` field is not loaded: no system may see it. A resume's
-- "title" (the realistic tracks' *_cv variants) goes to resumes.title.
\set ON_ERROR_STOP on
SET resonance.embed_on_write = off;
INSERT INTO resonance.jobs (id, title, description, country, city, remote, experience_level)
SELECT (j->>'id')::uuid, j->>'title', j->>'description', j->>'country', j->>'city',
       coalesce((j->>'remote')::boolean, false), j->>'experience_level'
FROM (SELECT line::jsonb AS j FROM public.eval_raw_jobs) s;
INSERT INTO resonance.resumes (id, text, title, city, country, experience_level)
SELECT (r->>'id')::uuid, r->>'text', r->>'title',
       nullif(btrim(split_part(r->>'location', ',', 1)), ''), nullif(btrim(split_part(r->>'location', ',', 2)), ''),
       r->>'experience_level'
FROM (SELECT line::jsonb AS r FROM public.eval_raw_resumes) s;
DROP TABLE public.eval_raw_jobs, public.eval_raw_resumes;
