"""One race predicted now, in process: the batch job's probabilities for the same race and
model, to 1e-9; new odds re-combine; the latency over 1,000 calls."""
import statistics
import time

import pytest

import paddock


def test_predict_race_agrees_with_the_batch_job(demo_db):
    manager = paddock.BatchJobManager(demo_db)
    job_id = manager.launch_job(date="2020-03-10")
    while manager.get_job_status(job_id).is_running:
        time.sleep(0.05)
    stored = paddock.predictions(demo_db, job_id=job_id)
    predictor = paddock.Predictor(demo_db)
    for race_id, batch in stored.groupby("race_id"):
        now = predictor.predict_race(race_id).set_index("number")
        batch = batch.set_index("number")
        assert set(now.index) == set(batch.index)
        assert (now.win_probability - batch.win_probability).abs().max() < 1e-9
        assert (now["rank"] == batch.predicted_rank).all()


def test_new_odds_are_recombined(demo_db):
    race_id = int(paddock.races(demo_db, date="2020-03-10").race_id.iloc[0])
    before = paddock.predict_race(demo_db, race_id).set_index("number")
    longshot = before.index[-1]  # the least likely: make it the market's favourite
    odds = {int(n): 30.0 for n in before.index}
    odds[int(longshot)] = 1.2
    after = paddock.predict_race(demo_db, race_id, odds=odds).set_index("number")
    assert after.loc[longshot, "win_probability"] > before.loc[longshot, "win_probability"]
    assert after.loc[longshot, "odds"] == 1.2
    assert abs(after.win_probability.sum() - 1) < 1e-9
    assert (after.fundamental - before.fundamental).abs().max() < 1e-12  # stage 1 ignores odds
    with pytest.raises(paddock.InvalidArgument, match="give every starter's or none"):
        paddock.predict_race(demo_db, race_id, odds={int(longshot): 2.0})
    with pytest.raises(paddock.NotFound, match="no race 42"):
        paddock.predict_race(demo_db, 42)


def test_predict_race_latency(demo_db):
    races = list(paddock.races(demo_db, date="2020-03-10").race_id)
    predictor = paddock.Predictor(demo_db)
    predictor.predict_race(races[0])  # the model and first history read
    times = []
    for i in range(1000):
        started = time.perf_counter()
        predictor.predict_race(races[i % len(races)])
        times.append(time.perf_counter() - started)
    times.sort()
    median, p99 = statistics.median(times), times[int(0.99 * len(times))]
    print(f"[ figure ] predict_race over 1,000 calls: median {median * 1000:.2f} ms, p99 {p99 * 1000:.2f} ms")
    assert median < 0.25  # a few milliseconds here; generous for a loaded machine


def test_predict_race_follows_the_active_model(demo_db, tmp_path):
    import shutil
    import sqlite3
    race_id = int(paddock.races(demo_db, date="2020-03-10").race_id.iloc[0])
    first = paddock.predict_race(demo_db, race_id)
    first_id = paddock._paddock.active_model_id(demo_db)
    # A second model (a copy of the first's files, registered and activated): predict_race
    # without model= uses it from the next call on.
    db = sqlite3.connect(demo_db)
    path, = db.execute("SELECT path FROM models WHERE is_active = 1").fetchone()
    shutil.copytree(path, tmp_path / "second")
    db.execute("INSERT INTO models (name, path, created_at, feature_set, metrics, is_active) "
               "SELECT 'second', ?, created_at, feature_set, metrics, 0 FROM models WHERE is_active = 1",
               (str(tmp_path / "second"),))
    second_id = db.execute("SELECT MAX(id) FROM models").fetchone()[0]
    db.execute("UPDATE models SET is_active = 0")
    db.execute("UPDATE models SET is_active = 1 WHERE id = ?", (second_id,))
    db.commit()
    db.close()
    assert second_id != first_id
    assert paddock._paddock.active_model_id(demo_db) == second_id
    again = paddock.predict_race(demo_db, race_id)
    assert (again.win_probability - first.win_probability).abs().max() < 1e-12  # the same trees
    assert (str(demo_db), second_id) in paddock._predictors
