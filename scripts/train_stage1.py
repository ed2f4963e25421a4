#!/usr/bin/python3
"""Train paddock's stage 1 (the XGBoost ranker) in Python, on the rows `paddock features --rows`
writes, and save it where `paddock train --stage1` can take it:

    build/paddock features --db data/demo.db --rows rows.csv
    /usr/bin/python3 scripts/train_stage1.py rows.csv stage1.json --to 2021-04-07
    build/paddock train --db data/demo.db --stage1 stage1.json

Rows of races up to --to with a known winner train the ranker: one group per race, relevance 3,
2, 1 for the first three home, 0 otherwise (as `paddock train` does). --to must come before the
days paddock calibrates on (the last 20% of finished days by default); it is stored in the model
file (attribute paddock_train_to), and paddock refuses a ranker trained on its calibration days. --scores writes the ranker's
score for every row of the file, to compare with what paddock stores.

Uses Debian's python3-xgboost (run with /usr/bin/python3) and numpy, nothing else.
"""
import argparse
import csv
import sys

import numpy as np
import xgboost as xgb


def read_rows(path):
    with open(path, newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        if header[:4] != ["race_id", "race_date", "number", "finish_position"]:
            sys.exit(f"{path}: not a file of `paddock features --rows` (header starts {header[:4]})")
        ids, rows = [], []
        for line, cells in enumerate(reader, start=2):
            if len(cells) != len(header):
                sys.exit(f"{path} line {line}: {len(cells)} fields, the header has {len(header)}")
            ids.append((int(cells[0]), cells[1], int(cells[2]), int(cells[3]) if cells[3] else None))
            rows.append([float(c) if c else np.nan for c in cells[4:]])
    return header[4:], ids, np.array(rows, dtype=np.float32)


def training_rows(ids, to_day):
    """Indices of the rows that train, and the group sizes, race after race."""
    by_race = {}
    for i, (race, day, _, position) in enumerate(ids):
        if to_day is None or day <= to_day:
            by_race.setdefault(race, []).append(i)
    keep, groups = [], []
    for race, rows in by_race.items():
        positions = [ids[i][3] for i in rows]
        if len(rows) >= 2 and 1 in positions:
            keep.extend(rows)
            groups.append(len(rows))
    return keep, groups


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("rows", help="CSV written by `paddock features --rows`")
    parser.add_argument("model", help="XGBoost JSON model to write")
    parser.add_argument("--to", required=True,
                        help="last race day that trains (YYYY-MM-DD): before the days paddock calibrates on")
    parser.add_argument("--trees", type=int, default=300)
    parser.add_argument("--depth", type=int, default=6)
    parser.add_argument("--learning-rate", type=float, default=0.05)
    parser.add_argument("--scores", help="CSV to write race_id,number,score for every row")
    args = parser.parse_args()

    names, ids, values = read_rows(args.rows)
    keep, groups = training_rows(ids, args.to)
    if len(groups) < 50:
        sys.exit(f"only {len(groups)} races with a winner to train on; need 50")
    labels = np.array([max(0, 4 - ids[i][3]) if ids[i][3] else 0 for i in keep], dtype=np.float32)
    train = xgb.DMatrix(values[keep], label=labels, missing=np.nan, feature_names=names,
                        feature_types=["float"] * len(names))
    train.set_group(groups)
    params = {"objective": "rank:pairwise", "tree_method": "hist", "max_depth": args.depth,
              "eta": args.learning_rate, "seed": 2026}
    booster = xgb.train(params, train, num_boost_round=args.trees)
    # `paddock train --stage1` reads this: it refuses a ranker trained on its calibration days.
    booster.set_attr(paddock_train_to=args.to)
    booster.save_model(args.model)
    print(f"trained {args.trees} trees on {len(keep)} rows of {len(groups)} races; saved {args.model}")

    if args.scores:
        scores = booster.predict(xgb.DMatrix(values, missing=np.nan, feature_names=names,
                                             feature_types=["float"] * len(names)), output_margin=True)
        with open(args.scores, "w", newline="") as f:
            out = csv.writer(f)
            out.writerow(["race_id", "number", "score"])
            for (race, _, number, _), score in zip(ids, scores):
                out.writerow([race, number, repr(float(score))])


if __name__ == "__main__":
    main()
