-- A small hand-made taxonomy (the full ESCO / O*NET one is loaded by scripts/load_taxonomy.sh).
INSERT INTO resonance.kg_skills (name, aliases, category) VALUES
  ('Python', '{}', 'language'), ('Django', '{}', 'framework'), ('Flask', '{}', 'framework'),
  ('PostgreSQL', '{Postgres}', 'database'), ('SQL', '{}', 'language'), ('Celery', '{}', 'tool'),
  ('Redis', '{}', 'database'), ('Docker', '{}', 'tool'), ('Kubernetes', '{k8s}', 'platform'),
  ('Terraform', '{}', 'tool'), ('Amazon Web Services', '{AWS}', 'platform'), ('React', '{React.js}', 'framework'),
  ('TypeScript', '{}', 'language'), ('JavaScript', '{JS}', 'language'), ('Node.js', '{Node}', 'platform'),
  ('Apache Spark', '{Spark,PySpark}', 'framework'), ('Apache Airflow', '{Airflow}', 'tool'),
  ('Java', '{}', 'language'), ('Spring Boot', '{}', 'framework'), ('Kafka', '{Apache Kafka}', 'tool'),
  ('PyTorch', '{}', 'framework'), ('Go', '{Golang}', 'language'), ('C++', '{}', 'language'),
  ('C#', '{}', 'language'), ('.NET', '{}', 'platform'), ('Excel', '{Microsoft Excel}', 'tool'),
  ('machine learning', '{}', 'field'), ('machine learning engineering', '{}', 'field'),
  ('CI/CD', '{}', 'practice'), ('medication administration', '{}', 'care'), ('patient assessment', '{}', 'care');
INSERT INTO resonance.kg_skill_relations (source_skill_id, target_skill_id, relation, weight)
SELECT s.id, t.id, r.relation, r.weight
FROM (VALUES ('Django', 'Python', 'REQUIRES', 1.0), ('Flask', 'Python', 'REQUIRES', 1.0),
             ('Django', 'Flask', 'RELATED_TO', 0.8), ('Celery', 'Python', 'REQUIRES', 1.0),
             ('Kubernetes', 'Docker', 'RELATED_TO', 0.8), ('Terraform', 'Amazon Web Services', 'RELATED_TO', 0.6),
             ('React', 'JavaScript', 'REQUIRES', 1.0), ('TypeScript', 'JavaScript', 'RELATED_TO', 0.9),
             ('Spring Boot', 'Java', 'REQUIRES', 1.0), ('Apache Airflow', 'Python', 'REQUIRES', 0.7),
             ('PostgreSQL', 'SQL', 'REQUIRES', 0.9), ('Apache Spark', 'SQL', 'RELATED_TO', 0.5),
             ('machine learning engineering', 'machine learning', 'PART_OF', 1.0), ('PyTorch', 'machine learning', 'PART_OF', 0.8),
             ('Python', 'Go', 'RELATED_TO', 0.3), ('Go', 'Kubernetes', 'RELATED_TO', 0.4), ('Kubernetes', 'Python', 'RELATED_TO', 0.2))
     AS r(src, dst, relation, weight)
JOIN resonance.kg_skills s ON s.name = r.src JOIN resonance.kg_skills t ON t.name = r.dst;

-- Extraction: positions are 1-based characters, both ends inclusive.
SELECT name, start_pos, end_pos FROM resonance_extract_skills('Senior Python developer: Django, postgres and K8S.') ORDER BY start_pos;
-- Symbol tokens, and words that contain them but are not them.
SELECT name, start_pos, end_pos FROM resonance_extract_skills('C++, C# and .NET; Node.js with React.js (TypeScript). CI/CD.') ORDER BY start_pos;
SELECT count(*) AS none FROM resonance_extract_skills('C-level R&D in Cologne, a T-SQL expert, notjavascript, Djangoesque.');
-- Longest match wins over overlapping names.
SELECT name FROM resonance_extract_skills('Ten years of machine learning engineering, and machine learning.') ORDER BY start_pos;
-- Ambiguous short words count only where the context says they are skills.
SELECT name FROM resonance_extract_skills('Languages: Python, Go, Java.') ORDER BY start_pos;
SELECT count(*) AS none FROM resonance_extract_skills('I like to go hiking and excel at teamwork.');
-- Multi-byte text before a match keeps character positions right.
SELECT name, start_pos, end_pos FROM resonance_extract_skills('Développeur à Zürich — Python') ORDER BY start_pos;
-- Empty and NULL input.
SELECT count(*) AS empty FROM resonance_extract_skills('');
SELECT count(*) AS null_input FROM resonance_extract_skills(NULL);

-- Related skills: transitive, decaying per hop, safe on cycles, aliases accepted.
SELECT name, relation, round(weight::numeric, 3) AS weight, depth FROM resonance_related_skills('Python') ORDER BY weight DESC, name;
SELECT name, depth FROM resonance_related_skills('django', 3, 5) ORDER BY weight DESC, name;
SELECT count(*) AS via_alias FROM resonance_related_skills('Postgres', 1);
SELECT count(*) AS unknown_skill FROM resonance_related_skills('COBOL');
SELECT count(*) AS null_skill FROM resonance_related_skills(NULL);
SELECT * FROM resonance_related_skills('Python', 0);
SELECT * FROM resonance_related_skills('Python', 2, 100000);

-- The index follows table changes within the session.
SELECT count(*) AS before FROM resonance_extract_skills('Rust and Python');
INSERT INTO resonance.kg_skills (name) VALUES ('Rust');
SELECT name FROM resonance_extract_skills('Skills: Rust and Python') ORDER BY start_pos;
DELETE FROM resonance.kg_skills WHERE name = 'Rust';
SELECT name FROM resonance_extract_skills('Skills: Rust and Python') ORDER BY start_pos;
-- The taxonomy changed after the sample rows were stored (each change above said how many
-- rows it made stale): the documented refresh infers their occupations and skills again.
CALL resonance_embed_pending();
SELECT count(*) FILTER (WHERE occupations_kg_version = (SELECT version FROM resonance.kg_version)) AS current_jobs
FROM resonance.jobs;
