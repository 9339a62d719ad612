#!/usr/bin/env bash
# Cancel overshoot (issue 11 item 4): how long after a 200 ms statement_timeout a statement
# that is busy in the models really ends, at the default settings (resonance.batch_size 32,
# resonance.max_seq_length 256, resonance.threads 1). A benchmark that prints numbers, not a
# test: pg_regress/sql/cancel.sql checks that a cancel gives SQLSTATE 57014.
#
#   encode_64x256   resonance_encode over 64 texts that are each truncated at 256 tokens
#   encode_10mb     resonance_encode of one 10 MB text
#   rerank_64x256   resonance_rerank of one long resume against 64 long jobs (the tests'
#                   cross-encoder, scripts/make_test_cross_encoder.py; skipped without it)
#
# Each runs `runs` times in one warm backend (models loaded beforehand); the script prints
# the overshoot past the timeout of the canceled runs (median and max), the time of runs that
# finished before the timeout fired, and the time the statement takes with no timeout. The figures measured on main before the
# change (commit 7f6773a) are printed beside them as `main_before`.
#
# Usage: scripts/bench_cancel.sh [port] [runs]   (after scripts/install_extension.sh; honours
# PG_CONFIG through scripts/pg_env.sh; the cluster is started if needed)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
port="${1:-${RESONANCE_PORT:-55432}}"
runs="${2:-5}"
timeout_ms=200
cd "$here"
source scripts/pg_env.sh
bash scripts/cluster.sh start "$port" >/dev/null
psql_() { bash scripts/cluster.sh psql "$port" -X -q -At "$@"; }
psql_ -d postgres -c "DROP DATABASE IF EXISTS resonance_bench_cancel" -c "CREATE DATABASE resonance_bench_cancel"
psql_ -d resonance_bench_cancel -c "CREATE EXTENSION resonance CASCADE" 2>/dev/null

models="$(pg_path sharedir)/resonance/models"
have_cross_encoder=0
if [ -f "$models/test-cross-encoder/delta.safetensors" ]; then
  have_cross_encoder=1
  psql_ -d resonance_bench_cancel >/dev/null <<'SQL'
INSERT INTO resonance.ml_models (name, version, model_type, artifact_path, config)
VALUES ('test-cross-encoder', '1', 'cross_encoder', 'test-cross-encoder', '{"base": "all-minilm-l6-v2"}');
SELECT resonance_activate_model('test-cross-encoder', '1');
SQL
fi

# The statements, over texts built in SQL: a 16-token sentence repeated well past 256 tokens.
sentence="'experienced engineer building reliable data pipelines with python and sql for analytics teams. '"
declare -A statement=(
  [encode_64x256]="SELECT count(*) FROM unnest(resonance_encode(ARRAY(SELECT i || ' ' || repeat($sentence, 40) FROM generate_series(1, 64) i)))"
  [encode_10mb]="SELECT vector_dims(resonance_encode(repeat($sentence, 10 * 1024 * 1024 / length($sentence))))"
  [rerank_64x256]="SELECT cardinality(resonance_rerank(repeat($sentence, 40), ARRAY(SELECT i || ' ' || repeat($sentence, 40) FROM generate_series(1, 64) i)))"
)
# The same measures on main before this change (7f6773a: interrupts checked only between
# batches, whole texts tokenised), this script on this VM in two rounds alternated with the
# change's build (load 2-3.5 from other work): overshoot median, overshoot max, no-timeout ms.
declare -A main_before=(
  [encode_64x256]="3369..3603/8072/7299..8362"
  [encode_10mb]="2030..2444/5011/2237..2492"
  [rerank_64x256]="3306..4159/4415/7189..8692"
)

# measure <label>: one backend, models warm, `runs` timed cancels, then one run uncanceled.
measure() {
  local label="$1" sql="${statement[$1]}" out
  out="$(psql_ -d resonance_bench_cancel -v ON_ERROR_STOP=0 2>&1 <<SQL
SELECT vector_dims(resonance_encode('warm up the bi-encoder')) \g /dev/null
$( [ "$label" = rerank_64x256 ] && echo "SELECT resonance_rerank('warm', ARRAY['up']) \g /dev/null" )
SET statement_timeout = $timeout_ms;
$(for _ in $(seq "$runs"); do cat <<RUN
SELECT extract(epoch FROM clock_timestamp()) * 1000 AS t0 \gset
$sql;
RESET statement_timeout;
SELECT 'elapsed=' || round(extract(epoch FROM clock_timestamp()) * 1000 - :t0);
SET statement_timeout = $timeout_ms;
RUN
done)
RESET statement_timeout;
SELECT extract(epoch FROM clock_timestamp()) * 1000 AS t0 \gset
$sql \g /dev/null
SELECT 'full=' || round(extract(epoch FROM clock_timestamp()) * 1000 - :t0);
SQL
)"
  # Runs in order: a timeout's ERROR comes before that run's elapsed= line. A run that ends
  # before the timeout has no overshoot; it is counted as finished instead.
  local line canceled_run=0 full="" overshoots=() finished=()
  while IFS= read -r line; do
    case "$line" in
      *"canceling statement due to statement timeout"*) canceled_run=1 ;;
      elapsed=*) if [ "$canceled_run" = 1 ]; then overshoots+=($(( ${line#elapsed=} - timeout_ms ))); else finished+=("${line#elapsed=}"); fi
                 canceled_run=0 ;;
      full=*) full="${line#full=}" ;;
    esac
  done <<<"$out"
  local summary="$label timeout_ms=$timeout_ms runs=$runs canceled=${#overshoots[@]}"
  if [ ${#overshoots[@]} -gt 0 ]; then
    mapfile -t overshoots < <(printf '%s\n' "${overshoots[@]}" | sort -n)
    summary+=" overshoot_median_ms=${overshoots[$(( (${#overshoots[@]} - 1) / 2 ))]} overshoot_max_ms=${overshoots[-1]}"
  fi
  if [ ${#finished[@]} -gt 0 ]; then
    mapfile -t finished < <(printf '%s\n' "${finished[@]}" | sort -n)
    summary+=" finished_before_timeout=${#finished[@]} finished_median_ms=${finished[$(( (${#finished[@]} - 1) / 2 ))]}"
  fi
  echo "$summary no_timeout_ms=$full main_before(overshoot_median/max/no_timeout)=${main_before[$label]}"
}

measure encode_64x256
measure encode_10mb
if [ "$have_cross_encoder" = 1 ]; then measure rerank_64x256; else echo "rerank_64x256 skipped: no $models/test-cross-encoder"; fi
