#!/usr/bin/env bash
# End-to-end benchmark of batch prediction (figures, not a pass/fail test).
#
# Builds a 100,000-race demo database and a 300-tree depth-6 model once (kept in
# $BENCH_DIR, default bench/data), then for --workers 1 and 2 prints:
#   - races/s end to end: `paddock predict` from process start to the job row completed,
#     on a fresh copy of the database (every race unpredicted), best of two runs;
#   - the inference floor: the same feature rows through the tree evaluator the jobs use (the
#     flat forest; BENCH_EVALUATOR=xgboost for XGBoost's), in process, same chunking and
#     thread count (bench/inference_floor), best of two repeats;
#   - their ratio, and the peak resident memory (VmHWM) of jobs of 10,000 and 100,000 races.
# Targets on a 2-core machine: >= 10,000 races/s with 2 workers; end to end >= 0.5 x floor;
# peak < 300 MB; 100k-race peak within 1.2 x the 10k-race peak.
set -euo pipefail
cd "$(dirname "$0")/.."
bench_dir="${BENCH_DIR:-bench/data}"
races="${BENCH_RACES:-100000}"
small="${BENCH_SMALL:-10000}"
mkdir -p "$bench_dir"
base="$bench_dir/bench${races}.db"

evaluator="${BENCH_EVALUATOR:-flat}"
preset="${BENCH_PRESET:-default}"  # or release (-O3): CMakePresets.json
build_dir=build; [ "$preset" = release ] && build_dir=build-release
scripts/build.sh "$preset" paddock inference_floor >/dev/null
paddock=$build_dir/paddock
floor=$build_dir/bench/inference_floor

now() { date +%s.%N; }
calc() { awk "BEGIN { print $1 }"; }

if [ ! -f "$base" ]; then
  echo "== Building the benchmark database ($races races) and model (300 trees, depth 6)"
  start=$(now)
  $paddock demo --db "$base" --races "$races" --seed 2026 | tail -4
  demo_seconds=$(calc "$(now) - $start")
  start=$(now)
  $paddock train --db "$base" --trees 300 --depth 6 | grep -v "  trees"
  train_seconds=$(calc "$(now) - $start")
  printf "demo: %.1fs (%.0f races/s); train: %.1fs\n" "$demo_seconds" "$(calc "$races / $demo_seconds")" "$train_seconds"
fi

run_job() {  # workers limit -> "seconds peak_mb processed"
  local workers=$1 limit=$2 copy="$bench_dir/run.db"
  rm -f "$copy" "$copy-wal" "$copy-shm"
  cp "$base" "$copy"
  local start end
  start=$(now)
  $paddock predict --db "$copy" -w "$workers" --limit "$limit" --quiet --log-dir "$bench_dir/logs" >/dev/null
  end=$(now)
  local row
  row=$(sqlite3 "$copy" "SELECT peak_memory_mb || ' ' || successful_races || ' ' || status FROM prediction_jobs")
  echo "$(calc "$end - $start") $row"
}

echo "floor: the $evaluator tree evaluator"
printf "%-8s %-8s %12s %14s %7s %9s %9s\n" workers races "e2e races/s" "floor races/s" ratio "peak MB" "status"
for workers in 1 2; do
  floor_rate=$($floor --db "$base" --workers "$workers" --repeat 2 --evaluator "$evaluator" | sed -E 's/.*races_per_second=([0-9]+).*/\1/')
  for limit in "$small" "$races"; do
    # Best of two runs, as the floor is the best of two repeats: the machine is shared.
    read -r seconds peak done status < <(run_job "$workers" "$limit")
    read -r seconds2 peak2 _ _ < <(run_job "$workers" "$limit")
    seconds=$(calc "($seconds2 < $seconds) ? $seconds2 : $seconds")
    peak=$(calc "($peak2 > $peak) ? $peak2 : $peak")
    rate=$(calc "$done / $seconds")
    ratio=$(calc "$rate / $floor_rate")
    printf "%-8s %-8s %12.0f %14.0f %7.2f %9.0f %9s\n" "$workers" "$done" "$rate" "$floor_rate" "$ratio" "$peak" "$status"
    eval "peak_${workers}_${limit}=$peak"
  done
  big="peak_${workers}_${races}"; little="peak_${workers}_${small}"
  printf "         peak memory %s races / %s races: %.2f\n" "$races" "$small" "$(calc "${!big} / ${!little}")"
done
