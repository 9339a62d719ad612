#!/usr/bin/env bash
# The realistic-title regression test (issue 9): a small version of the realistic dev tracks
# (the dev benchmark's postings retitled with held-out real titles of their occupation,
# crates/offline/bin/realistic_tracks.rs, first 40 occupations of each track) run through
# resonance_match with the full skill taxonomy, against the bi-encoder alone (v1) on the same
# postings. Fails when nDCG@10 or its ratio to v1 drops below a floor set under the value
# measured when it was written (README, "Realistic titles").
# Needs the dev benchmark beside the checkout ($RESONANCE_EVAL_DIR, default ../shared/eval);
# without it the test says so and counts nothing. Prints "ok ..." / "not ok ..." lines.
# Usage: scripts/test_realistic.sh <port>   (the cluster runs, the current release is installed)
set -uo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
port="${1:?port}"
source "$here/scripts/checks.sh"
eval_dir="${RESONANCE_EVAL_DIR:-$here/../shared/eval}"
if [ ! -f "$eval_dir/onet/jobs.jsonl" ]; then
  echo "realistic: skipped, no dev benchmark at $eval_dir"
  finish_checks realistic; exit
fi
on() { psql -h /tmp -p "$port" -U postgres -X -q -At -v ON_ERROR_STOP=1 "$@"; }
tables="${RESONANCE_TAXONOMY_TABLES:-$HOME/.cache/resonance/taxonomy_tables}"
out=/tmp/resonance-realistic-small
bash "$here/scripts/build_taxonomy.sh" "$tables" || { check "taxonomy built" ok failed; finish_checks realistic; exit; }
(cd "$here" && cargo build --release -q -p resonance-offline --bin realistic_tracks) &&
  "${CARGO_TARGET_DIR:-$here/target}/release/realistic_tracks" --data "$HOME/.cache/resonance/taxonomy" \
    --eval-dir "$eval_dir" --out "$out" --occupations 40 >/dev/null ||
  { check "realistic tracks built" ok failed; finish_checks realistic; exit; }

# One database holds the loaded taxonomy (the TSVs carry its names' embeddings); each track's
# database copies it (scripts/eval_pipeline.sh, RESONANCE_TAXONOMY_DB).
taxonomy_db=resonance_realistic_taxonomy
dbs=$(on -d postgres -c "SELECT string_agg(datname, ' ') FROM pg_database WHERE datname LIKE 'resonance_eval_realistic%' OR datname = '$taxonomy_db'")
for db in $dbs; do on -d postgres -c "DROP DATABASE $db"; done
on -d postgres -c "CREATE DATABASE $taxonomy_db"
on -d "$taxonomy_db" -c "SET client_min_messages = warning" -c "CREATE EXTENSION resonance CASCADE"
bash "$here/scripts/load_taxonomy.sh" "$port" "$taxonomy_db" "$tables" 2>&1 | tail -1

# nDCG@10 of one configuration from eval_pipeline's output lines ("<db> <config> <metrics>").
ndcg() { python3 -c "import json, sys; print(round(json.loads(sys.argv[1])['nDCG@10'], 3))" "$1"; }
# at_least <name> <value> <floor>
at_least() { check "$1 >= $3" yes "$(python3 -c "import sys; print('yes' if float(sys.argv[1]) >= float(sys.argv[2]) else 'no (' + sys.argv[1] + ')')" "$2" "$3")"; }

# Floors about 0.05 under the nDCG@10 measured when this test was added (0.3.0: title 0.643 /
# 0.677, desc 0.642 / 0.970 for onet / esco_ict), and ratios to v1 about 0.1 under the
# measured ones (1.31 / 1.70, 1.08 / 1.31). On these first 40 occupations v1 is stronger than
# on the full tracks (desc onet 0.592 here, 0.511 there), so the ratios are lower than the
# full tracks' (README, "Realistic titles"). desc_thin_cv (resumes reduced to a stated real
# title and a neutral sentence) measured 0.736 / 0.910 (v1 0.616 / 0.829) when added, and
# 0.616 / 0.831 with use_resume_occupations off: its lift from the resumes' own occupations is
# checked too (1.195 / 1.095 measured, floors about 0.09 / 0.05 under).
declare -A floor=([title_onet]=0.59 [title_esco_ict]=0.62 [desc_onet]=0.59 [desc_esco_ict]=0.92
                  [desc_thin_cv_onet]=0.68 [desc_thin_cv_esco_ict]=0.86)
declare -A ratio=([title_onet]=1.2 [title_esco_ict]=1.5 [desc_onet]=1.0 [desc_esco_ict]=1.2
                  [desc_thin_cv_onet]=1.09 [desc_thin_cv_esco_ict]=1.0)
declare -A lift=([desc_thin_cv_onet]=1.1 [desc_thin_cv_esco_ict]=1.04)
for variant in title desc desc_thin_cv; do
  results=$(RESONANCE_PORT=$port RESONANCE_EVAL_VARIANT=realistic_$variant RESONANCE_EVAL_DIR="$out/$variant" \
            RESONANCE_TAXONOMY_DB=$taxonomy_db bash "$here/scripts/eval_pipeline.sh" onet esco_ict 2>&1)
  for track in onet esco_ict; do
    v1=$(echo "$results" | grep "^realistic_${variant}_$track {\"use_skill_graph\": false" | sed 's/^[^}]*} //')
    full=$(echo "$results" | grep "^realistic_${variant}_$track {\"use_skill_graph\": true, \"use_cross_encoder\": false" | sed 's/^[^}]*} //')
    if [ -z "$v1" ] || [ -z "$full" ]; then
      echo "$results" | tail -5
      check "${variant}_$track evaluated" yes no; continue
    fi
    v1=$(ndcg "$v1"); full=$(ndcg "$full")
    echo "# ${variant}_$track: nDCG@10 resonance_match $full, v1 $v1"
    at_least "${variant}_$track nDCG@10" "$full" "${floor[${variant}_$track]}"
    at_least "${variant}_$track resonance_match / v1" "$(python3 -c "print(round($full / max($v1, 1e-9), 3))")" "${ratio[${variant}_$track]}"
    if [ -n "${lift[${variant}_$track]:-}" ]; then
      off=$(ndcg "$(on -d "resonance_eval_realistic_${variant}_$track" \
             -c "SELECT resonance_evaluate('public.eval_qrels', '{\"use_cross_encoder\": false, \"use_resume_occupations\": false}')")")
      echo "# ${variant}_$track: without the resumes' occupations $off"
      at_least "${variant}_$track resume occupations on / off" "$(python3 -c "print(round($full / max($off, 1e-9), 3))")" "${lift[${variant}_$track]}"
    fi
  done
done
finish_checks realistic
