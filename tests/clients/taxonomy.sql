-- A small skill taxonomy for the client tests (scripts/test_http.sh), so explanations list
-- matched, missing and related skills on the sample data without the full taxonomy build.
-- Invented for this test; the real taxonomy comes from scripts/build_taxonomy.sh.
INSERT INTO resonance.kg_skills (name, aliases, category) VALUES
  ('Python', '{}', 'language'), ('Django', '{}', 'framework'), ('FastAPI', '{}', 'framework'),
  ('PostgreSQL', '{Postgres}', 'database'), ('Redis', '{}', 'database'), ('Celery', '{}', 'tool'),
  ('Docker', '{}', 'tool'), ('Kubernetes', '{k8s}', 'tool'), ('AWS', '{Amazon Web Services}', 'cloud'),
  ('Go', '{Golang}', 'language'), ('Java', '{}', 'language'), ('Spring Boot', '{}', 'framework'),
  ('React', '{}', 'framework'), ('TypeScript', '{}', 'language'), ('Terraform', '{}', 'tool');
INSERT INTO resonance.kg_skill_relations (source_skill_id, target_skill_id, relation, weight, source)
SELECT a.id, b.id, 'RELATED_TO', w, 'test'
FROM (VALUES ('Django', 'FastAPI', 0.8), ('FastAPI', 'Django', 0.8), ('Django', 'Python', 0.9),
             ('Docker', 'Kubernetes', 0.7), ('Kubernetes', 'Docker', 0.7), ('Java', 'Spring Boot', 0.9)) AS r(s, t, w)
JOIN resonance.kg_skills a ON a.name = r.s JOIN resonance.kg_skills b ON b.name = r.t;
