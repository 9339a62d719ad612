-- The extension installs with its dependency and lays out its schema.
CREATE EXTENSION resonance CASCADE;
SELECT extname, extversion FROM pg_extension WHERE extname IN ('vector', 'resonance') ORDER BY extname;
-- Data tables in schema resonance.
SELECT table_name FROM information_schema.tables WHERE table_schema = 'resonance' ORDER BY table_name;
-- The HNSW index on jobs.embedding, with its build parameters.
SELECT indexdef FROM pg_indexes WHERE schemaname = 'resonance' AND indexname = 'jobs_embedding_hnsw';
-- The base bi-encoder is registered and active.
SELECT name, version, model_type, artifact_path, is_active FROM resonance.ml_models;
SELECT resonance_models_active();
-- Settings, with their defaults and who may change them.
SELECT name, setting, context FROM pg_settings WHERE name LIKE 'resonance.%' ORDER BY name;
