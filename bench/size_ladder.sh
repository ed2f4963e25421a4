#!/usr/bin/env bash
# The size ladder (figures, not a pass/fail test): demo databases of 10,000, 100,000 and
# 1,000,000 races (seed 2026), built once and kept in $BENCH_DIR (default bench/data), each with
# the 300-tree, depth-6 model of the 100,000-race database (bench/run_benchmark.sh trains it).
# For each size, two jobs on a fresh copy of the database:
#   - one day: the last day with results (`predict --date D --all`), today's card as it were;
#   - all races (`predict --all`);
# each run three times in the same session:
#   - before: the history computed from every race and XGBoost scoring the trees
#     (PADDOCK_HISTORY=computed PADDOCK_TREE_EVALUATOR=xgboost: the engine as it was);
#   - whole: the stored history, all of it loaded up front for a large job, and the flat forest
#     (PADDOCK_HISTORY=whole: the engine before streaming);
#   - after: the defaults (a small job reads the stored history of its own races; a large one
#     streams it in day order, window by window; the flat forest).
# Two more modes, when asked for in BENCH_MODES:
#   - scalar: the defaults with the flat forest's scalar kernel (PADDOCK_TREE_EVALUATOR=scalar);
#   - baseline: the defaults of another build's paddock, BENCH_BASELINE=/path/to/paddock (e.g.
#     the main branch built in another directory), to compare two versions in one run.
# Printed: wall time from the process start to its end, races/s, and the peak resident memory
# of the job (VmHWM, from its row). With -w 2, as on a 2-core laptop.
#
# Usage: bench/size_ladder.sh [sizes...]   e.g. bench/size_ladder.sh 10000 100000
#        BENCH_MODES="whole after" bench/size_ladder.sh 1000000   (some of the modes only)
#        BENCH_BASELINE=../main/build-release/paddock BENCH_MODES="baseline after" bench/size_ladder.sh 100000
# The stored history of each database is built once, by a first small job (its time printed).
set -euo pipefail
cd "$(dirname "$0")/.."
bench_dir="${BENCH_DIR:-bench/data}"
sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(10000 100000 1000000)
mkdir -p "$bench_dir" "$bench_dir/logs"

preset="${BENCH_PRESET:-default}"  # or release (-O3): CMakePresets.json
build_dir=build; [ "$preset" = release ] && build_dir=build-release
scripts/build.sh "$preset" paddock >/dev/null
paddock=$build_dir/paddock
model_db="$bench_dir/bench100000.db"
[ -f "$model_db" ] || bench/run_benchmark.sh >/dev/null  # builds the 100k database and its model

now() { date +%s.%N; }
calc() { awk "BEGIN { print $1 }"; }

prepare() {  # size -> the base database, with the model and a current stored history
  local races=$1 base="$bench_dir/bench$1.db"
  if [ ! -f "$base" ]; then
    echo "== Building the $races-race database" >&2
    $paddock demo --db "$base" --races "$races" --seed 2026 | tail -2 >&2
  fi
  $paddock models --db "$base" >/dev/null  # the schema brought up to date once: no job pays for it
  if [ "$(sqlite3 "$base" "SELECT COUNT(*) FROM models WHERE is_active = 1")" = 0 ]; then
    sqlite3 "$base" "ATTACH '$model_db' AS m; INSERT INTO models(name, path, created_at, feature_set, metrics, is_active)
                     SELECT name, path, created_at, feature_set, metrics, 1 FROM m.models WHERE is_active = 1;"
  fi
  if [ -n "$(sqlite3 "$base" "SELECT dirty_from FROM history_state" 2>/dev/null || echo x)" ]; then
    local start
    start=$(now)
    $paddock predict --db "$base" --limit 1 --all -q --log-dir "$bench_dir/logs" >/dev/null
    printf "%s races: stored history built in %.1fs (once per database; later imports update it from their first day)\n" \
      "$races" "$(calc "$(now) - $start")" >&2
  fi
  echo "$base"
}

run_job() {  # base mode args... -> "seconds races peak_mb"
  local base=$1 mode=$2
  shift 2
  local copy="$bench_dir/ladder.db"
  rm -f "$copy" "$copy-wal" "$copy-shm"
  cp "$base" "$copy"
  sync  # the copy's pages on disk: the job's first checkpoint must not pay for the copy
  local env=()
  [ "$mode" = before ] && env=(PADDOCK_HISTORY=computed PADDOCK_TREE_EVALUATOR=xgboost)
  [ "$mode" = whole ] && env=(PADDOCK_HISTORY=whole)
  [ "$mode" = scalar ] && env=(PADDOCK_TREE_EVALUATOR=scalar)
  local program=$paddock
  [ "$mode" = baseline ] && program=${BENCH_BASELINE:?BENCH_BASELINE=/path/to/paddock for the baseline mode}
  local start end
  start=$(now)
  env "${env[@]}" "$program" predict --db "$copy" -w 2 -q --log-dir "$bench_dir/logs" --job-id ladder "$@" >/dev/null
  end=$(now)
  local row
  row=$(sqlite3 "$copy" "SELECT successful_races || ' ' || peak_memory_mb FROM prediction_jobs WHERE job_id = 'ladder'")
  echo "$(calc "$end - $start") $row"
}

printf "\n%-9s %-8s %-7s %9s %9s %11s %9s\n" races job version races "wall s" "races/s" "peak MB"
for size in "${sizes[@]}"; do
  base=$(prepare "$size")
  day=$(sqlite3 "$base" "SELECT MAX(race_date) FROM races WHERE status = 'finished'")
  for job in day all; do
    args=(--all)
    [ "$job" = day ] && args=(--date "$day" --all)
    for mode in ${BENCH_MODES:-before whole after}; do
      read -r seconds done peak < <(run_job "$base" "$mode" "${args[@]}")
      printf "%-9s %-8s %-7s %9s %9.2f %11.0f %9.0f\n" "$size" "$job" "$mode" "$done" "$seconds" \
        "$(calc "$done / $seconds")" "$peak"
    done
  done
done
rm -f "$bench_dir/ladder.db" "$bench_dir/ladder.db-wal" "$bench_dir/ladder.db-shm"
