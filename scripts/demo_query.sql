-- The demo's result: resonance_match for sample resumes, ranked jobs with scores and
-- the explanation's summary, then one full explanation.
\pset footer off
SELECT count(*) AS jobs, count(embedding) AS jobs_embedded,
       (SELECT count(*) FROM resonance.kg_skills) AS skills,
       (SELECT count(*) FROM resonance.kg_skill_relations) AS skill_relations
FROM resonance.jobs;
SELECT resonance_models_active() AS active_models;

\echo 'Senior Python/Django engineer in Berlin, jobs in Germany:'
SELECT rank, title, round(bi_encoder_score::numeric, 3) AS bi, round(skill_graph_score::numeric, 3) AS skills,
       round(cross_encoder_score::numeric, 3) AS ce, round(final_score::numeric, 3) AS final,
       explanation->>'summary' AS summary
FROM resonance_match('00000000-0000-4000-b000-000000000001', '{"country": "Germany"}', '{"top_k_final": 5}');

\echo 'Occupations inferred from job titles as real ads write them (stored per job on write):'
SELECT t AS title, g->>'occupation' AS likely_occupation, round((g->>'confidence')::numeric, 2) AS confidence
FROM unnest(ARRAY['RN – Cardiac ICU Nights', 'Loan Processor III', 'Warehouse Associate (Forklift)',
                  'Regional Truck Driver (CDL Class A)']) AS t,
     LATERAL (SELECT resonance_infer_occupations(t)->0 AS g) s;

\echo 'Registered nurse in Toronto, any job:'
SELECT rank, title, round(final_score::numeric, 3) AS final, explanation->>'summary' AS summary
FROM resonance_match('00000000-0000-4000-b000-000000000005', '{}', '{"top_k_final": 3}');

\echo 'Why the top job for the data engineer:'
SELECT jsonb_pretty(explanation) AS explanation
FROM resonance_match('00000000-0000-4000-b000-000000000003', '{}', '{"top_k_final": 1}');
SELECT resonance_last_match_stats()->'ms' AS last_call_ms;
