-- Rows get their embeddings on write; the bulk path fills pending rows in batches.
INSERT INTO resonance.jobs (id, title, description, country, city, remote, experience_level)
VALUES ('10000000-0000-4000-a000-000000000001', 'Backend Engineer', 'Python, Django and PostgreSQL services.', 'Germany', 'Berlin', false, 'senior'),
       ('10000000-0000-4000-a000-000000000002', 'Pastry Chef', 'Croissants, tarts and laminated doughs.', 'France', 'Paris', false, 'mid');
SELECT title, embedding = resonance_encode(resonance.job_document(title, description)) AS embedded
FROM resonance.jobs ORDER BY title;

-- Changing the text re-embeds; changing anything else does not.
CREATE TEMP TABLE before AS SELECT id, embedding FROM resonance.jobs;
UPDATE resonance.jobs SET company = 'Northwind' WHERE title = 'Backend Engineer';
UPDATE resonance.jobs SET description = 'Bread and viennoiserie.' WHERE title = 'Pastry Chef';
SELECT j.title, j.embedding = b.embedding AS unchanged
FROM resonance.jobs j JOIN before b USING (id) ORDER BY j.title;

-- An embedding given on insert is kept.
INSERT INTO resonance.jobs (title, description, embedding)
VALUES ('Given', 'caller computed it', resonance_encode('something else'));
SELECT embedding = resonance_encode('something else') AS kept FROM resonance.jobs WHERE title = 'Given';

-- Resumes too.
INSERT INTO resonance.resumes (id, text, country, city, experience_level, years_experience)
VALUES ('10000000-0000-4000-b000-000000000001', 'Senior Python developer: Django, PostgreSQL, Celery, eight years.', 'Germany', 'Berlin', 'senior', 8);
SELECT embedding = resonance_encode(text) AS embedded FROM resonance.resumes;
-- Invalid rows are refused by the schema (terse: the DETAIL line holds a timestamp).
\set VERBOSITY terse
INSERT INTO resonance.resumes (text, experience_level) VALUES ('x', 'wizard');
INSERT INTO resonance.interactions (resume_id, job_id, event)
VALUES ('10000000-0000-4000-b000-000000000001', '10000000-0000-4000-a000-000000000001', 'liked');
\set VERBOSITY default

-- Bulk path: with embed_on_write off rows wait; resonance_embed_pending fills them in batches.
SET resonance.embed_on_write = off;
INSERT INTO resonance.jobs (title, description)
SELECT 'Bulk job ' || i, 'Generated posting number ' || i FROM generate_series(1, 5) i;
SELECT count(*) FILTER (WHERE embedding IS NULL) AS pending FROM resonance.jobs;
RESET resonance.embed_on_write;
CALL resonance_embed_pending(2);
SELECT count(*) FILTER (WHERE embedding IS NULL) AS pending,
       bool_and(embedding = resonance_encode(resonance.job_document(title, description))) AS correct
FROM resonance.jobs WHERE title LIKE 'Bulk job%';
CALL resonance_embed_pending(0);

-- The HNSW index answers nearest-neighbour queries.
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM resonance.jobs ORDER BY embedding <=> resonance_encode('python') LIMIT 5;
SELECT title FROM resonance.jobs ORDER BY embedding <=> resonance_encode('Django developer') LIMIT 1;
RESET enable_seqscan;

DELETE FROM resonance.resumes;
DELETE FROM resonance.jobs;
