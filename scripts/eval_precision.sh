#!/usr/bin/env bash
# Ranking quality with bf16 products against f32 (issue 11: embeddings within 0.99 cosine,
# dev nDCG@10 unchanged to 0.5 %). For each evaluation database that scripts/eval_pipeline.sh
# loaded (default: the canonical tracks and the realistic title and description tracks), every
# job and resume is embedded again with resonance.bf16_matmul off, then on; after each, the
# bi-encoder-only and skill-graph configurations are evaluated (resonance_evaluate), and the
# cosine between each text's two embeddings is reported. The database is left with bf16
# embeddings, as a server with the default settings would write them.
# Usage: scripts/eval_precision.sh [database ...]   env: RESONANCE_PORT (55432)
# Prints numbers; it is not a test.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
port="${RESONANCE_PORT:-55432}"
dbs=("$@")
[ ${#dbs[@]} -gt 0 ] || dbs=(resonance_eval_esco_ict resonance_eval_onet resonance_eval_title_esco_ict
                             resonance_eval_title_onet resonance_eval_desc_esco_ict resonance_eval_desc_onet)
psql_() { PGOPTIONS="-c client_min_messages=warning" bash "$here/scripts/cluster.sh" psql "$port" -X -q -v ON_ERROR_STOP=1 "$@"; }

# Embeds every row again with the given resonance.bf16_matmul, keeping the vectors in
# public.precision_<setting> for the comparison.
embed_with() {
  local db=$1 setting=$2
  psql_ -d "$db" <<SQL >/dev/null
SET resonance.embed_on_write = off;
SET resonance.bf16_matmul = $setting;
SET resonance.threads = 2;
UPDATE resonance.jobs SET embedding = NULL;
UPDATE resonance.resumes SET embedding = NULL;
CALL resonance_embed_pending(256);
DROP TABLE IF EXISTS public.precision_$setting;
CREATE TABLE public.precision_$setting AS
  SELECT 'job' AS kind, id, embedding FROM resonance.jobs
  UNION ALL SELECT 'resume', id, embedding FROM resonance.resumes;
SQL
}

evaluate() {
  local db=$1 setting=$2
  for config in '{"use_skill_graph": false, "use_cross_encoder": false}' '{"use_skill_graph": true, "use_cross_encoder": false}'; do
    local result
    result=$(psql_ -d "$db" -At -c "SELECT format('nDCG@10 %s MRR %s', round((r->>'nDCG@10')::numeric, 4), round((r->>'MRR')::numeric, 4))
                                     FROM resonance_evaluate('public.eval_qrels', '$config') AS r")
    echo "$db bf16_matmul=$setting $config $result"
  done
}

for db in "${dbs[@]}"; do
  for setting in off on; do
    start=$(date +%s.%N)
    embed_with "$db" "$setting"
    echo "$db bf16_matmul=$setting: embedded in $(echo "$(date +%s.%N) - $start" | bc) s"
    evaluate "$db" "$setting"
  done
  psql_ -d "$db" -At -F ' ' -c "
    SELECT '$db cosine(bf16, f32) over ' || count(*) || ' texts: min ' || round(min(1 - (f.embedding <=> b.embedding))::numeric, 6)
           || ' mean ' || round(avg(1 - (f.embedding <=> b.embedding))::numeric, 6)
    FROM public.precision_off f JOIN public.precision_on b USING (kind, id)"
  psql_ -d "$db" -c "DROP TABLE public.precision_off, public.precision_on"
done
