#!/usr/bin/env bash
# The main job, from nothing: install what is missing, build, create the demo database if it is
# absent, train a model if none is active (and measure it on the days it never saw, with a
# betting backtest and its plot), then run a batch prediction job over every race with its
# progress, log and summary, and show the card of the first upcoming Quinté+.
#
# Settings (environment): PADDOCK_DB (default data/demo.db), PADDOCK_RACES (default 20000).
set -euo pipefail
cd "$(dirname "$0")/.."

db="${PADDOCK_DB:-data/demo.db}"
races="${PADDOCK_RACES:-20000}"

echo "== 1/4 Dependencies"
scripts/install-deps.sh

echo "== 2/4 Build"
scripts/build.sh default paddock

mkdir -p "$(dirname "$db")"
if [ ! -f "$db" ]; then
  echo "== 3/4 Demo database: $races races into $db"
  build/paddock demo --db "$db" --races "$races"
else
  echo "== 3/4 Demo database: $db already exists"
fi

if ! build/paddock models --db "$db" | grep -q " yes "; then
  echo "== Training a model (no active model in $db)"
  last_day=$(sqlite3 "$db" "SELECT MAX(race_date) FROM races WHERE status = 'finished'")
  first_day=$(sqlite3 "$db" "SELECT MIN(race_date) FROM races")
  # Train on the first 80% of the days, then measure on the last 20% it has never seen.
  split=$(sqlite3 "$db" "SELECT race_date FROM (SELECT DISTINCT race_date FROM races WHERE status = 'finished' ORDER BY race_date) LIMIT 1 OFFSET (SELECT CAST(COUNT(DISTINCT race_date) * 0.8 AS INTEGER) FROM races WHERE status = 'finished')")
  train_to=$(sqlite3 "$db" "SELECT date('$split', '-1 day')")
  build/paddock train --db "$db" --to "$train_to"
  echo "== Evaluation on $split .. $last_day (held out from training; data from $first_day)"
  build/paddock evaluate --db "$db" --from "$split" --plot "$(dirname "$db")/evaluation.svg"
fi

echo "== 4/4 Batch prediction job (every race of $db)"
build/paddock predict --db "$db" --all

# The card of the first upcoming day's Quinté+ (the last day's, when no day is upcoming).
day=$(sqlite3 "$db" "SELECT COALESCE(MIN(CASE WHEN status = 'scheduled' THEN race_date END), MAX(race_date)) FROM races")
race=$(sqlite3 "$db" "SELECT id FROM races WHERE race_date = '$day' ORDER BY is_quinte DESC, meeting_no, race_no LIMIT 1")
echo
echo "== The card of $day's Quinté+ (every race of the day: build/paddock card --db $db --date $day)"
build/paddock card --db "$db" --date "$day" --race "$race"
job=$(sqlite3 "$db" "SELECT job_id FROM prediction_jobs ORDER BY created_at DESC, rowid DESC LIMIT 1")
echo "Export the job's predictions: build/paddock export --db $db --job $job --out predictions.csv"
