"""The guide's BatchJobManager in Python: its example with only the import line changed, every
method, and errors raised as paddock.Error exceptions."""
import contextlib
import io
import sqlite3
import time

import pytest

import paddock
from paddock import BatchJobManager  # the guide: from utils.batch_job_manager import BatchJobManager


def wait(manager, job_id, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        status = manager.get_job_status(job_id)
        if not status.is_running:
            return status
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not end")


def test_the_guides_example_runs_with_its_import_line_changed(demo_db):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        # --- the guide's example, as written, but for the import and the database path ---
        db_path = demo_db
        manager = BatchJobManager(db_path)

        # Launch job
        job_id = manager.launch_job(
            date='2020-03-10',
            workers=-1,  # All cores
            chunk_size=50,
            max_memory_mb=4096
        )

        # Monitor progress
        while True:
            status = manager.get_job_status(job_id)
            print(f"Progress: {status.progress}% - {status.message}")

            if not status.is_running:
                break

            time.sleep(0.1)  # the guide sleeps 5 s

        # Get result
        if status.is_completed:
            print(f"Success! {status.successful_races}/{status.total_races} races")
        else:
            print(f"Failed: {status.error}")
        # --- end of the guide's example ---
    text = out.getvalue()
    races = sqlite3.connect(demo_db).execute("SELECT COUNT(*) FROM races WHERE race_date = '2020-03-10'").fetchone()[0]
    assert f"Success! {races}/{races} races" in text, text
    assert "Progress: 100% - Complete" in text, text


def test_status_has_the_guides_attributes_and_paddocks(demo_db):
    manager = BatchJobManager(demo_db)
    status = wait(manager, manager.launch_job(limit=5, force_reprediction=True))
    for name in ["progress", "message", "total_races", "processed_races", "successful_races", "failed_races",
                 "start_time", "end_time", "error", "config", "is_running", "is_completed",
                 "status", "throughput", "eta_seconds", "memory_mb", "peak_memory_mb", "priority", "attempt",
                 "pid", "host", "log_path", "model_id", "queue_position"]:
        assert hasattr(status, name), name
    assert status.status == "completed" and status.is_completed and not status.is_running
    assert status.successful_races == 5
    assert "completed 100%" in repr(status)


def test_every_manager_method(demo_db):
    manager = BatchJobManager(demo_db)
    manager.max_running_jobs = 1
    assert manager.max_running_jobs == 1
    first = manager.launch_job(all=True, workers=1, chunk_size=1)
    queued = manager.launch_job(all=True, limit=50, priority=5)
    assert manager.get_job_status(queued).status == "queued"
    manager.set_priority(queued, 7)
    assert manager.get_job_status(queued).priority == 7
    assert [j.job_id for j in manager.get_active_jobs()] == [first, queued]
    manager.cancel_job(queued)
    assert manager.get_job_status(queued).status == "cancelled"
    manager.cancel_job(first)
    assert wait(manager, first).status == "cancelled"
    manager.resume_job(first)
    assert wait(manager, first).status == "completed"
    assert wait(manager, first).attempt == 2
    text, offset, finished = manager.read_log(first)
    assert "BATCH PREDICTION COMPLETE" in text and finished and offset == len(text.encode())
    assert {j.job_id for j in manager.list_jobs(status="completed")} == {first}
    assert len(manager.list_jobs(limit=1)) == 1
    manager.delete_job(queued)
    with pytest.raises(paddock.NotFound):
        manager.get_job_status(queued)
    assert manager.cleanup_old_jobs(older_than_days=0) == 1
    assert manager.list_jobs() == []


def test_retry_failed_makes_a_linked_job(demo_db):
    con = sqlite3.connect(demo_db)
    race = con.execute("SELECT MIN(id) FROM races WHERE race_date = '2020-02-10'").fetchone()[0]
    con.execute("UPDATE runners SET non_runner = 1 WHERE race_id = ?", (race,))
    con.commit()
    manager = BatchJobManager(demo_db)
    job = wait(manager, manager.launch_job(date="2020-02-10", retries=0))
    assert job.failed_races == 1
    con.execute("UPDATE runners SET non_runner = 0 WHERE race_id = ?", (race,))
    con.commit()
    retry = wait(manager, manager.retry_failed(job.job_id))
    assert retry.retry_of == job.job_id and retry.successful_races == 1


def test_errors_are_paddock_exceptions_with_the_cpp_message(demo_db, tmp_path):
    manager = BatchJobManager(demo_db)
    with pytest.raises(paddock.NotFound, match="no job 'nope'"):
        manager.get_job_status("nope")
    with pytest.raises(paddock.InvalidArgument, match="chunk size"):
        manager.launch_job(chunk_size=0)
    with pytest.raises(paddock.InvalidArgument, match="job id"):
        manager.launch_job(job_id="../escape")
    with pytest.raises(paddock.InvalidArgument, match="not a date"):
        manager.launch_job(date="2020-02-30")
    with pytest.raises(paddock.NotFound, match="no model with id 99"):
        manager.launch_job(model=99)
    with pytest.raises(paddock.InvalidArgument, match="workers='2' is not of the right type"):
        manager.launch_job(workers="2")
    with pytest.raises(paddock.NotFound, match="does not exist"):
        BatchJobManager(str(tmp_path / "absent.db"))
    done = wait(manager, manager.launch_job(limit=2, all=True))
    with pytest.raises(paddock.FailedPrecondition, match="already completed"):
        manager.cancel_job(done.job_id)
    assert issubclass(paddock.NotFound, paddock.Error) and issubclass(paddock.Error, Exception)
    assert manager.list_jobs(status="queued") == []
