#!/usr/bin/env bash
# nDCG@10 / MRR of resonance_match on the labelled dev benchmark, per configuration:
# bi-encoder only, + skill graph, + cross-encoder (when one is active).
# Usage: scripts/eval_pipeline.sh [track ...]   (default: esco_ict onet; needs ../shared/eval)
# Each track is loaded once into database resonance_eval_<track> on the demo cluster (and
# the skill taxonomy, when scripts/load_taxonomy.sh exists, so the skill graph has data).
# RESONANCE_EVAL_VARIANT=<name> reads the tracks from $RESONANCE_EVAL_DIR (the realistic
# tracks, crates/offline/bin/realistic_tracks.rs) into databases resonance_eval_<name>_<track>.
# The taxonomy is copied from database $RESONANCE_TAXONOMY_DB (default resonance_demo) when
# it has one.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
port="${RESONANCE_PORT:-55432}"
eval_dir="${RESONANCE_EVAL_DIR:-$here/../shared/eval}"
variant="${RESONANCE_EVAL_VARIANT:+${RESONANCE_EVAL_VARIANT}_}"
taxonomy_db="${RESONANCE_TAXONOMY_DB:-resonance_demo}"
tracks=("$@"); [ ${#tracks[@]} -gt 0 ] || tracks=(esco_ict onet)
bash "$here/scripts/cluster.sh" start "$port" >/dev/null
psql_() { bash "$here/scripts/cluster.sh" psql "$port" -X -q -v ON_ERROR_STOP=1 "$@"; }
for track in "${tracks[@]}"; do
  db="resonance_eval_$variant$track"
  # public.eval_loaded is created last, so an interrupted load is redone, not reused.
  if ! psql_ -d "$db" -c "SELECT 1 FROM public.eval_loaded" >/dev/null 2>&1; then
    echo "[eval] loading $track into $db"
    psql_ -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
    psql_ -d "$db" -c "CREATE EXTENSION resonance CASCADE" 2>/dev/null
    # JSON lines read whole: CSV mode with delimiter and quote bytes that never occur.
    raw="WITH (FORMAT csv, DELIMITER E'\\x01', QUOTE E'\\x02')"
    psql_ -d "$db" -c "CREATE TABLE public.eval_raw_jobs (line text)" -c "CREATE TABLE public.eval_raw_resumes (line text)" \
          -c "CREATE TABLE public.eval_qrels (resume_id uuid, job_id uuid, grade int)"
    psql_ -d "$db" -c "\\copy public.eval_raw_jobs FROM '$eval_dir/$track/jobs.jsonl' $raw"
    psql_ -d "$db" -c "\\copy public.eval_raw_resumes FROM '$eval_dir/$track/resumes.jsonl' $raw"
    psql_ -d "$db" -c "\\copy public.eval_qrels FROM '$eval_dir/$track/qrels.tsv'"
    psql_ -d "$db" -f "$here/scripts/load_eval.sql"
    psql_ -d "$db" -c "CALL resonance_embed_pending(256)" 2>&1 | tail -1
    # The skill taxonomy: copied from the taxonomy database when it has one (the embedding
    # of ~28k skills and ~18k title labels is the slow part of loading), else loaded from
    # the built TSVs.
    if [ "$(psql_ -d "$taxonomy_db" -At -c "SELECT count(*) > 0 FROM resonance.kg_skills" 2>/dev/null)" = t ]; then
      pg_dump -h /tmp -p "$port" -U postgres --data-only -t 'resonance.kg_*' -T resonance.kg_version "$taxonomy_db" \
        | psql_ -d "$db" >/dev/null
    else
      bash "$here/scripts/load_taxonomy.sh" "$port" "$db"
    fi
    psql_ -d "$db" -c "CREATE TABLE public.eval_loaded AS SELECT now() AS at"
  fi
  # A database loaded by an earlier release: update it, bring in what the taxonomy gained
  # since (title labels), and infer what is pending (jobs' occupations).
  psql_ -d "$db" -c "ALTER EXTENSION resonance UPDATE"
  if [ "$(psql_ -d "$db" -At -c "SELECT count(*) FROM resonance.kg_title_labels")" = 0 ] && \
     [ "$(psql_ -d "$taxonomy_db" -At -c "SELECT count(*) > 0 FROM resonance.kg_title_labels" 2>/dev/null)" = t ]; then
    pg_dump -h /tmp -p "$port" -U postgres --data-only -t resonance.kg_title_labels "$taxonomy_db" | psql_ -d "$db" >/dev/null
  fi
  psql_ -d "$db" -c "CALL resonance_embed_pending(256)" 2>&1 | tail -1
  for config in '{"use_skill_graph": false, "use_cross_encoder": false}' \
                '{"use_skill_graph": true, "use_cross_encoder": false}' \
                '{"use_skill_graph": true, "use_cross_encoder": true, "top_k_retrieve": 20, "top_k_final": 20}'; do
    if [[ "$config" == *'"use_cross_encoder": true'* ]] && \
       [ "$(psql_ -d "$db" -At -c "SELECT count(*) FROM resonance.ml_models WHERE model_type = 'cross_encoder' AND is_active")" = 0 ]; then
      echo "$track $config: no active cross-encoder, skipped"; continue
    fi
    result=$(psql_ -d "$db" -At -c "SELECT resonance_evaluate('public.eval_qrels', '$config')")
    echo "$variant$track $config $result"
  done
done
