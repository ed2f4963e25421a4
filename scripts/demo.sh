#!/usr/bin/env bash
# The main job, from nothing: install what is missing, build, create the demo database if it is
# absent, train a model if none is active, then run a batch prediction job over every race with
# its progress, log and summary.
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
  build/paddock evaluate --db "$db" --from "$split"
fi

echo "== 4/4 Batch prediction job (every race of $db)"
build/paddock predict --db "$db" --all
