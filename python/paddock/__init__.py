"""paddock: batch predictions for horse races, from Python.

The batch prediction guide's Python API over paddock's C++ job manager, so that code written
for the guide keeps working with only its import line changed::

    from paddock import BatchJobManager
    manager = BatchJobManager("data/demo.db")
    job_id = manager.launch_job(date="2021-08-02", workers=-1, chunk_size=50, max_memory_mb=4096)
    status = manager.get_job_status(job_id)

and paddock's reads as pandas DataFrames: ``predictions``, ``races``, ``evaluate``, and
``predict_race`` for one race now. Every call goes to the C++ core (``paddock._paddock``);
errors are exceptions of the ``paddock.Error`` hierarchy with the C++ message.
"""

import os as _os

from . import _paddock
from ._paddock import (  # noqa: F401  (re-exported)
    AlreadyExists,
    Cancelled,
    DatabaseError,
    Error,
    FailedPrecondition,
    InternalError,
    InvalidArgument,
    IoError,
    JobStatus,
    ModelError,
    NotFound,
)

__all__ = [
    "BatchJobManager", "JobStatus", "Predictor", "predictions", "races", "evaluate", "predict_race",
    "Error", "InvalidArgument", "NotFound", "AlreadyExists", "FailedPrecondition", "IoError",
    "DatabaseError", "ModelError", "Cancelled", "InternalError",
]


def _default_binary():
    """The `paddock` program a launched job runs: PADDOCK_BINARY, else the one this package
    was built with, else `paddock` from PATH."""
    if _os.environ.get("PADDOCK_BINARY"):
        return _os.environ["PADDOCK_BINARY"]
    try:
        from ._build import PADDOCK_BINARY
        if _os.path.exists(PADDOCK_BINARY):
            return PADDOCK_BINARY
    except ImportError:
        pass
    return "paddock"


class BatchJobManager:
    """The guide's Job Manager: launch jobs in the background, watch and steer them.

    Jobs run as separate `paddock predict` processes: they go on if Python exits. Every method
    is a call of paddock's C++ BatchJobManager (docs/api.md); long calls release the GIL.
    """

    def __init__(self, db_path, paddock_binary=None):
        self.db_path = str(db_path)
        self._manager = _paddock.Manager(self.db_path, paddock_binary or _default_binary())

    def launch_job(self, date=None, race_ids=None, limit=None, workers=-1, chunk_size=50,
                   max_memory_mb=4096, force_reprediction=False, *, from_date=None, to_date=None,
                   all=False, retries=1, model=None, job_id=None, priority=0, log_dir=None):
        """Queues a batch job and starts it at once when the queue allows; returns its id.

        The guide's arguments first (date, race_ids, limit, workers, chunk_size, max_memory_mb,
        force_reprediction), then paddock's: a day range, every race again (all), retries of
        failed races, a model id, a job id, a queue priority, a log directory.
        """
        return self._manager.launch_job(
            date=_day(date), race_ids=list(race_ids) if race_ids is not None else None, limit=limit,
            workers=workers, chunk_size=chunk_size, max_memory_mb=max_memory_mb,
            force_reprediction=force_reprediction, from_date=_day(from_date), to_date=_day(to_date),
            all=all, retries=retries, model=model, job_id=job_id, priority=priority, log_dir=log_dir)

    def get_job_status(self, job_id):
        """The job's status: the guide's attributes (progress, message, is_running, ...) and paddock's."""
        return self._manager.get_job_status(job_id)

    def list_jobs(self, status=None, limit=None):
        """Jobs, newest first; `status` is one state or a list of them."""
        statuses = [status] if isinstance(status, str) else status
        return self._manager.list_jobs(statuses, limit)

    def get_active_jobs(self):
        """The running jobs, then the queued ones in the order they will start."""
        return self._manager.get_active_jobs()

    def delete_job(self, job_id):
        """Deletes a job that is not running, with its log (its predictions stay)."""
        self._manager.delete_job(job_id)

    def cancel_job(self, job_id):
        """A queued job never starts; a running one stops after the chunks in hand."""
        self._manager.cancel_job(job_id)

    def retry_failed(self, job_id):
        """A new job over the failed races of a finished job; returns its id."""
        return self._manager.retry_failed(job_id)

    def resume_job(self, job_id):
        """Queues a failed or cancelled job to finish the races it has not done."""
        self._manager.resume_job(job_id)

    def set_priority(self, job_id, priority):
        self._manager.set_priority(job_id, priority)

    def cleanup_old_jobs(self, older_than_days=30):
        """Deletes finished jobs that ended more than `older_than_days` ago; returns how many."""
        return self._manager.cleanup_old_jobs(older_than_days)

    def read_log(self, job_id, offset=0):
        """(text, next_offset, job_finished): the job's log from `offset` (bytes)."""
        return self._manager.read_log(job_id, offset)

    @property
    def max_running_jobs(self):
        return self._manager.max_running_jobs()

    @max_running_jobs.setter
    def max_running_jobs(self, limit):
        self._manager.set_max_running_jobs(limit)


def _day(value):
    """A day as 'YYYY-MM-DD': a string as given, a date or datetime (or pandas Timestamp) formatted."""
    if value is None or isinstance(value, str):
        return value
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d")
    raise InvalidArgument(f"{value!r} is not a day (give 'YYYY-MM-DD' or a date)")


def _frame(columns):
    import pandas as pd
    meta = {k: columns.pop(k) for k in list(columns) if k.startswith("_")}
    frame = pd.DataFrame(columns)
    frame.attrs.update({k[1:]: v for k, v in meta.items()})
    return frame


def predictions(db, job_id=None, date=None, race_ids=None, model=None):
    """Stored predictions as a DataFrame, a row per runner, races in order, runners by rank.

    One job's races, one day's, or given races; for `model`, else the job's model, else the active one.
    """
    return _frame(_paddock.prediction_columns(str(db), job_id=job_id, date=_day(date),
                                              race_ids=list(race_ids) if race_ids is not None else None,
                                              model=model))


def races(db, date=None, from_date=None, to_date=None):
    """Races as a DataFrame: one day's, a range's, or every race."""
    return _frame(_paddock.race_columns(str(db), date=_day(date), from_date=_day(from_date), to_date=_day(to_date)))


def evaluate(db, from_date=None, to_date=None, model=None):
    """The evaluate table (the model, its fundamental stage, the market, the truth on a demo
    database) as a DataFrame, a row per predictor; frame.attrs holds the days covered."""
    return _frame(_paddock.evaluate_columns(str(db), from_date=_day(from_date), to_date=_day(to_date), model=model))


class Predictor:
    """Predicts races now, in process, with one model loaded once (the active one by default)."""

    def __init__(self, db, model=None):
        self.db_path = str(db)
        self._predictor = _paddock.Predictor(self.db_path, model)

    @property
    def model_id(self):
        return self._predictor.model_id

    def predict_race(self, race_id, odds=None):
        """The race's starters ranked, as a DataFrame: win probability (combined with the odds),
        fundamental probability, score. `odds` ({number: decimal odds}) replaces the stored odds."""
        return _frame(self._predictor.predict(int(race_id), {int(k): float(v) for k, v in odds.items()} if odds else None))


_predictors = {}


def predict_race(db, race_id, odds=None, model=None):
    """One race predicted now (see Predictor); the model is loaded once per database and model.

    Without `model`, the active model of the moment: a model activated since the last call is
    loaded then."""
    if model is None:
        model = _paddock.active_model_id(str(db))
    key = (str(db), model)
    if key not in _predictors:
        _predictors[key] = Predictor(db, model)
    return _predictors[key].predict_race(race_id, odds)
