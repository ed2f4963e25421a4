"""Predictions, races and the evaluation as pandas DataFrames, read through the C++ store:
their columns and row counts against the database."""
import sqlite3
import time

import pandas as pd
import pytest

import paddock


def run_day(db, day):
    manager = paddock.BatchJobManager(db)
    job_id = manager.launch_job(date=day)
    while manager.get_job_status(job_id).is_running:
        time.sleep(0.05)
    return job_id


def test_predictions_of_a_job_a_day_and_races(demo_db):
    job_id = run_day(demo_db, "2020-03-10")
    con = sqlite3.connect(demo_db)
    stored = con.execute("SELECT COUNT(*) FROM predictions WHERE job_id = ?", (job_id,)).fetchone()[0]
    started = time.perf_counter()
    frame = paddock.predictions(demo_db, date="2020-03-10")
    seconds = time.perf_counter() - started
    print(f"[ figure ] a day's predictions ({len(frame)} rows) as a DataFrame in {seconds * 1000:.1f} ms")
    assert list(frame.columns) == ["race_id", "race_date", "venue", "meeting_no", "race_no", "number", "horse",
                                   "jockey", "win_probability", "predicted_rank", "score", "odds",
                                   "finish_position", "incident", "model_id", "job_id"]
    assert len(frame) == stored > 0
    assert len(paddock.predictions(demo_db, job_id=job_id)) == stored
    sums = frame.groupby("race_id").win_probability.sum()
    assert ((sums - 1).abs() < 1e-9).all()
    assert (frame.groupby("race_id").predicted_rank.min() == 1).all()
    one = int(frame.race_id.iloc[0])
    assert set(paddock.predictions(demo_db, race_ids=[one]).race_id) == {one}
    assert frame.horse.notna().all() and (frame.jockey != "").all()

    races = paddock.races(demo_db, date="2020-03-10")
    assert len(races) == con.execute("SELECT COUNT(*) FROM races WHERE race_date = '2020-03-10'").fetchone()[0]
    assert {"race_id", "venue", "meeting_no", "race_no", "discipline", "distance_m", "is_quinte", "status",
            "starters"} <= set(races.columns)
    assert len(paddock.races(demo_db, from_date="2020-03-01", to_date="2020-03-10")) > len(races)


def test_evaluate_gives_the_evaluate_table(demo_db):
    table = paddock.evaluate(demo_db, from_date="2020-03-01")
    assert list(table.predictor) == ["combined model", "fundamental only", "market (1/odds)", "truth (demo)"]
    assert (table.races > 100).all()
    assert table.attrs["from"] >= "2020-03-01"


def test_bad_arguments_raise(demo_db):
    with pytest.raises(paddock.NotFound, match="no job 'x'"):
        paddock.predictions(demo_db, job_id="x")
    with pytest.raises(paddock.InvalidArgument, match="not a date"):
        paddock.races(demo_db, date="10/03/2020")
    assert paddock.predictions(demo_db, date=pd.Timestamp("2030-01-01")).empty
