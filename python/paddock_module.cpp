// _paddock: the C++ core of the `paddock` Python package (python/paddock/__init__.py wraps it).
// It binds the job manager, the store's reads and the race predictor, and nothing else: every
// behaviour is the C++ one. Errors become exceptions of the paddock.Error hierarchy carrying
// the C++ message; calls that wait on SQLite, processes or the model release the GIL.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <chrono>
#include <map>
#include <mutex>
#include <string>

#include "engine/race_predictor.h"
#include "features/history_index.h"
#include "jobs/batch_job_manager.h"
#include "jobs/job_json.h"
#include "model/evaluator.h"
#include "store/database.h"

namespace py = pybind11;

namespace paddock::python {
namespace {

// The Python exception type of each error code, created when the module loads.
std::map<ErrorCode, py::object>& exception_types() {
  static std::map<ErrorCode, py::object> types;
  return types;
}

[[noreturn]] void raise(const Error& error) {
  const auto found = exception_types().find(error.code);
  PyObject* type = found != exception_types().end() ? found->second.ptr() : PyExc_RuntimeError;
  PyErr_SetString(type, error.message.c_str());
  throw py::error_already_set();
}

template <typename T>
T value_or_raise(Result<T> result) {
  if (!result.ok()) raise(result.error());
  return std::move(result).value();
}

void ok_or_raise(const Status& status) {
  if (!status.ok()) raise(status.error());
}

// Runs `call` without the GIL (it holds no Python object), then raises its error with the GIL.
template <typename Call>
auto without_gil(Call call) {
  decltype(call()) result = [&] {
    const py::gil_scoped_release release;
    return call();
  }();
  return result;
}

std::optional<Day> day_or_none(const std::optional<std::string>& text, const char* name) {
  if (!text) return std::nullopt;
  Result<Day> day = parse_day(*text);
  if (!day.ok()) raise(make_error(ErrorCode::kInvalidArgument, std::string(name) + ": " + day.error().message));
  return *day;
}

// The manager of one database, used by one Python thread at a time (the lock).
class Manager {
 public:
  Manager(const std::string& db_path, const std::optional<std::string>& paddock_binary) {
    ManagerOptions options;
    options.db_path = db_path;
    if (paddock_binary) options.paddock_binary = *paddock_binary;
    manager_.emplace(value_or_raise(without_gil([&] { return BatchJobManager::open(options); })));
  }

  template <typename Call>
  auto locked(Call call) {
    return without_gil([&] {
      const std::lock_guard<std::mutex> lock(mutex_);
      return call(*manager_);
    });
  }

  std::optional<BatchJobManager> manager_;
  std::mutex mutex_;
};

PredictOptions launch_options(const py::kwargs& kwargs) {
  PredictOptions o;
  for (const auto& [key_object, value] : kwargs) {
    const std::string key = py::cast<std::string>(key_object);
    if (value.is_none()) continue;
    try {
      if (key == "date") o.date = day_or_none(py::cast<std::string>(value), "date");
      else if (key == "from_date") o.from = day_or_none(py::cast<std::string>(value), "from_date");
      else if (key == "to_date") o.to = day_or_none(py::cast<std::string>(value), "to_date");
      else if (key == "race_ids") o.race_ids = py::cast<std::vector<RaceId>>(value);
      else if (key == "limit") o.limit = py::cast<std::int64_t>(value);
      else if (key == "workers") o.workers = py::cast<int>(value);
      else if (key == "chunk_size") o.chunk_size = py::cast<int>(value);
      else if (key == "max_memory_mb") o.max_memory_mb = py::cast<int>(value);
      else if (key == "force_reprediction") o.force_reprediction = py::cast<bool>(value);
      else if (key == "all") o.all = py::cast<bool>(value);
      else if (key == "retries") o.retries = py::cast<int>(value);
      else if (key == "model") o.model_id = py::cast<ModelId>(value);
      else if (key == "job_id") o.job_id = py::cast<std::string>(value);
      else if (key == "priority") o.priority = py::cast<int>(value);
      else if (key == "log_dir") o.log_dir = py::cast<std::string>(value);
      else raise(make_error(ErrorCode::kInvalidArgument, "launch_job() got an unknown argument '" + key + "'"));
    } catch (const py::cast_error&) {
      raise(make_error(ErrorCode::kInvalidArgument,
                       "launch_job(): " + key + "=" + py::cast<std::string>(py::repr(value)) + " is not of the right type"));
    }
  }
  return o;
}

// Columns of a table as a dict of lists, for pandas.DataFrame(dict).
using Columns = std::map<std::string, py::list>;

py::dict to_dict(Columns& columns, const std::vector<std::string>& order) {
  py::dict dict;
  for (const std::string& name : order) dict[py::str(name)] = columns[name];
  return dict;
}

template <typename T>
py::object optional(const std::optional<T>& value) {
  return value ? py::cast(*value) : py::none();
}

py::dict prediction_columns(const std::string& db_path, const std::optional<std::string>& job_id,
                            const std::optional<std::string>& date, const std::optional<std::vector<RaceId>>& race_ids,
                            const std::optional<ModelId>& model) {
  ExportQuery query;
  query.job_id = job_id;
  query.from = query.to = day_or_none(date, "date");
  if (race_ids) query.race_ids = *race_ids;
  query.model_id = model;
  std::vector<ExportRow> rows = value_or_raise(without_gil([&]() -> Result<std::vector<ExportRow>> {
    PADDOCK_ASSIGN_OR_RETURN(std::unique_ptr<Database> db, open_database(db_path, Database::Access::kReadOnly));
    if (query.job_id) {
      PADDOCK_ASSIGN_OR_RETURN(const std::optional<JobRow> job, db->find_job(*query.job_id));
      if (!job) return make_error(ErrorCode::kNotFound, "no job '" + *query.job_id + "' in '" + db_path + "'");
      if (!query.model_id) query.model_id = job->model_id;
    }
    if (!query.model_id) {
      PADDOCK_ASSIGN_OR_RETURN(const std::optional<ModelRecord> active, db->active_model());
      if (!active) return make_error(ErrorCode::kFailedPrecondition, "no active model; pass model=");
      query.model_id = active->id;
    }
    std::vector<ExportRow> out;
    PADDOCK_TRY(db->for_each_export_row(query, [&](const ExportRow& row) { out.push_back(row); }));
    return out;
  }));
  const std::vector<std::string> order{"race_id", "race_date", "venue", "meeting_no", "race_no", "number",
                                       "horse", "jockey", "win_probability", "predicted_rank", "score", "odds",
                                       "finish_position", "incident", "model_id", "job_id"};
  Columns c;
  for (const ExportRow& r : rows) {
    c["race_id"].append(r.race_id);
    c["race_date"].append(r.race_date);
    c["venue"].append(r.venue);
    c["meeting_no"].append(r.meeting_no);
    c["race_no"].append(r.race_no);
    c["number"].append(r.number);
    c["horse"].append(r.horse);
    c["jockey"].append(r.jockey);
    c["win_probability"].append(r.win_probability);
    c["predicted_rank"].append(r.predicted_rank);
    c["score"].append(r.score);
    c["odds"].append(optional(r.odds));
    c["finish_position"].append(optional(r.finish_position));
    c["incident"].append(r.incident);
    c["model_id"].append(r.model_id);
    c["job_id"].append(r.job_id);
  }
  return to_dict(c, order);
}

py::dict race_columns(const std::string& db_path, const std::optional<std::string>& date,
                      const std::optional<std::string>& from_date, const std::optional<std::string>& to_date) {
  RaceQuery query;
  query.from = date ? day_or_none(date, "date") : day_or_none(from_date, "from_date");
  query.to = date ? day_or_none(date, "date") : day_or_none(to_date, "to_date");
  std::vector<RaceSummary> races = value_or_raise(without_gil([&]() -> Result<std::vector<RaceSummary>> {
    PADDOCK_ASSIGN_OR_RETURN(std::unique_ptr<Database> db, open_database(db_path, Database::Access::kReadOnly));
    return db->list_races(query);
  }));
  const std::vector<std::string> order{"race_id", "race_date", "venue", "meeting_no", "race_no", "name",
                                       "discipline", "distance_m", "prize_eur", "is_quinte", "status",
                                       "declared", "starters"};
  Columns c;
  for (const RaceSummary& r : races) {
    c["race_id"].append(r.id);
    c["race_date"].append(r.race_date);
    c["venue"].append(r.venue);
    c["meeting_no"].append(r.meeting_no);
    c["race_no"].append(r.race_no);
    c["name"].append(r.name);
    c["discipline"].append(r.discipline);
    c["distance_m"].append(r.distance_m);
    c["prize_eur"].append(optional(r.prize_eur));
    c["is_quinte"].append(r.is_quinte);
    c["status"].append(r.status);
    c["declared"].append(r.declared);
    c["starters"].append(r.starters);
  }
  return to_dict(c, order);
}

py::dict evaluate_columns(const std::string& db_path, const std::optional<std::string>& from_date,
                          const std::optional<std::string>& to_date, const std::optional<ModelId>& model_id) {
  EvaluateOptions options;
  options.from = day_or_none(from_date, "from_date");
  options.to = day_or_none(to_date, "to_date");
  EvaluationReport report = value_or_raise(without_gil([&]() -> Result<EvaluationReport> {
    PADDOCK_ASSIGN_OR_RETURN(std::unique_ptr<Database> db, open_database(db_path, Database::Access::kReadOnly));
    std::optional<ModelRecord> record;
    if (model_id) {
      PADDOCK_ASSIGN_OR_RETURN(record, db->find_model(*model_id));
    } else {
      PADDOCK_ASSIGN_OR_RETURN(record, db->active_model());
    }
    if (!record) return make_error(ErrorCode::kNotFound, "no such model (or no active model)");
    PADDOCK_ASSIGN_OR_RETURN(Model model, Model::load(record->path));
    PADDOCK_ASSIGN_OR_RETURN(HistoryIndex history, HistoryIndex::load(*db));
    return evaluate_model(*db, model, history, options);
  }));
  const std::vector<std::string> order{"predictor", "races", "winner_hit", "winner_in_top3", "top5_overlap", "ndcg5",
                                       "log_loss", "uniform_log_loss", "pseudo_r2", "quinte_races", "quinte_ordre",
                                       "quinte_desordre", "quinte_bonus4", "quinte_bonus3"};
  Columns c;
  for (const MetricsSummary& m : report.predictors) {
    c["predictor"].append(m.name);
    c["races"].append(m.races);
    c["winner_hit"].append(m.winner_hit);
    c["winner_in_top3"].append(m.winner_in_top3);
    c["top5_overlap"].append(m.top5_overlap);
    c["ndcg5"].append(m.ndcg5);
    c["log_loss"].append(m.log_loss);
    c["uniform_log_loss"].append(m.uniform_log_loss);
    c["pseudo_r2"].append(m.pseudo_r2);
    c["quinte_races"].append(m.quinte_races);
    c["quinte_ordre"].append(m.quinte_ordre);
    c["quinte_desordre"].append(m.quinte_desordre);
    c["quinte_bonus4"].append(m.quinte_bonus4);
    c["quinte_bonus3"].append(m.quinte_bonus3);
  }
  py::dict result = to_dict(c, order);
  result["_from"] = report.from;
  result["_to"] = report.to;
  return result;
}

// The race predictor of one database and model, used by one Python thread at a time.
class Predictor {
 public:
  Predictor(const std::string& db_path, const std::optional<ModelId>& model) {
    predictor_.emplace(value_or_raise(without_gil([&] { return RacePredictor::open(db_path, model); })));
  }

  py::dict predict(RaceId race_id, const std::optional<std::map<int, double>>& odds) {
    RaceForecast forecast = value_or_raise(without_gil([&] {
      const std::lock_guard<std::mutex> lock(mutex_);
      return predictor_->predict(race_id, odds ? &*odds : nullptr);
    }));
    Columns c;
    for (const RunnerForecast& r : forecast.runners) {
      c["rank"].append(r.rank);
      c["number"].append(r.number);
      c["horse"].append(r.horse);
      c["jockey"].append(r.jockey);
      c["win_probability"].append(r.win_probability);
      c["fundamental"].append(r.fundamental);
      c["score"].append(r.score);
      c["odds"].append(optional(r.odds));
    }
    py::dict result = to_dict(c, {"rank", "number", "horse", "jockey", "win_probability", "fundamental", "score", "odds"});
    result["_race_id"] = forecast.race_id;
    result["_model_id"] = forecast.model_id;
    result["_used_market"] = forecast.used_market;
    return result;
  }

  ModelId model_id() const { return predictor_->model_id(); }

 private:
  std::optional<RacePredictor> predictor_;
  std::mutex mutex_;
};

}  // namespace
}  // namespace paddock::python

PYBIND11_MODULE(_paddock, module) {
  using namespace paddock;
  using namespace paddock::python;
  module.doc() = "paddock's C++ core: the job manager, the store's reads and the race predictor";

  py::object base = py::reinterpret_borrow<py::object>(PyExc_Exception);
  static py::exception<std::runtime_error> error_base(module, "Error", base.ptr());
  const std::pair<ErrorCode, const char*> codes[] = {
      {ErrorCode::kInvalidArgument, "InvalidArgument"}, {ErrorCode::kNotFound, "NotFound"},
      {ErrorCode::kAlreadyExists, "AlreadyExists"},     {ErrorCode::kFailedPrecondition, "FailedPrecondition"},
      {ErrorCode::kIo, "IoError"},                      {ErrorCode::kDatabase, "DatabaseError"},
      {ErrorCode::kModel, "ModelError"},                {ErrorCode::kCancelled, "Cancelled"},
      {ErrorCode::kInternal, "InternalError"}};
  for (const auto& [code, name] : codes) {
    py::object type = py::reinterpret_steal<py::object>(
        PyErr_NewException((std::string("paddock._paddock.") + name).c_str(), error_base.ptr(), nullptr));
    module.attr(name) = type;
    exception_types()[code] = type;
  }

  py::class_<BatchJobStatus>(module, "JobStatus")
      .def_readonly("job_id", &BatchJobStatus::job_id)
      .def_readonly("status", &BatchJobStatus::status)
      .def_readonly("progress", &BatchJobStatus::progress)
      .def_readonly("message", &BatchJobStatus::message)
      .def_readonly("total_races", &BatchJobStatus::total_races)
      .def_readonly("processed_races", &BatchJobStatus::processed_races)
      .def_readonly("successful_races", &BatchJobStatus::successful_races)
      .def_readonly("failed_races", &BatchJobStatus::failed_races)
      .def_readonly("start_time", &BatchJobStatus::start_time)
      .def_readonly("end_time", &BatchJobStatus::end_time)
      .def_readonly("error", &BatchJobStatus::error)
      .def_readonly("config", &BatchJobStatus::config)
      .def_readonly("is_running", &BatchJobStatus::is_running)
      .def_readonly("is_completed", &BatchJobStatus::is_completed)
      .def_readonly("throughput", &BatchJobStatus::throughput)
      .def_readonly("eta_seconds", &BatchJobStatus::eta_seconds)
      .def_readonly("memory_mb", &BatchJobStatus::memory_mb)
      .def_readonly("peak_memory_mb", &BatchJobStatus::peak_memory_mb)
      .def_readonly("priority", &BatchJobStatus::priority)
      .def_readonly("attempt", &BatchJobStatus::attempt)
      .def_readonly("pid", &BatchJobStatus::pid)
      .def_readonly("host", &BatchJobStatus::host)
      .def_readonly("heartbeat_at", &BatchJobStatus::heartbeat_at)
      .def_readonly("model_id", &BatchJobStatus::model_id)
      .def_readonly("log_path", &BatchJobStatus::log_path)
      .def_readonly("retry_of", &BatchJobStatus::retry_of)
      .def_readonly("created_at", &BatchJobStatus::created_at)
      .def_readonly("cancel_requested", &BatchJobStatus::cancel_requested)
      .def_readonly("queue_position", &BatchJobStatus::queue_position)
      .def("to_json", [](const BatchJobStatus& s) { return to_json(s).dump(); })
      .def("__repr__", [](const BatchJobStatus& s) {
        return "<JobStatus " + s.job_id + " " + s.status + " " + std::to_string(s.progress) + "% " +
               std::to_string(s.processed_races) + "/" + std::to_string(s.total_races) + " races, " +
               std::to_string(s.successful_races) + " ok, " + std::to_string(s.failed_races) + " failed: " +
               s.message + ">";
      });

  py::class_<Manager>(module, "Manager")
      .def(py::init<const std::string&, const std::optional<std::string>&>(), py::arg("db_path"),
           py::arg("paddock_binary") = py::none())
      .def("launch_job", [](Manager& self, const py::kwargs& kwargs) {
        PredictOptions options = launch_options(kwargs);
        return value_or_raise(self.locked([&](BatchJobManager& jm) { return jm.launch_job(options); }));
      })
      .def("get_job_status", [](Manager& self, const std::string& id) {
        return value_or_raise(self.locked([&](BatchJobManager& jm) { return jm.get_job_status(id); }));
      })
      .def("list_jobs", [](Manager& self, const std::optional<std::vector<std::string>>& statuses,
                           const std::optional<std::int64_t>& limit) {
        JobFilter filter;
        for (const std::string& text : statuses.value_or(std::vector<std::string>{})) {
          const std::optional<JobStatus> status = parse_job_status(text);
          if (!status) raise(make_error(ErrorCode::kInvalidArgument, "'" + text + "' is not a job status"));
          filter.statuses.push_back(*status);
        }
        filter.limit = limit;
        return value_or_raise(self.locked([&](BatchJobManager& jm) { return jm.list_jobs(filter); }));
      }, py::arg("statuses") = py::none(), py::arg("limit") = py::none())
      .def("get_active_jobs", [](Manager& self) {
        return value_or_raise(self.locked([](BatchJobManager& jm) { return jm.get_active_jobs(); }));
      })
      .def("delete_job", [](Manager& self, const std::string& id) {
        ok_or_raise(self.locked([&](BatchJobManager& jm) { return jm.delete_job(id); }));
      })
      .def("cancel_job", [](Manager& self, const std::string& id) {
        ok_or_raise(self.locked([&](BatchJobManager& jm) { return jm.cancel_job(id); }));
      })
      .def("retry_failed", [](Manager& self, const std::string& id) {
        return value_or_raise(self.locked([&](BatchJobManager& jm) { return jm.retry_failed(id); }));
      })
      .def("resume_job", [](Manager& self, const std::string& id) {
        ok_or_raise(self.locked([&](BatchJobManager& jm) { return jm.resume_job(id); }));
      })
      .def("set_priority", [](Manager& self, const std::string& id, int priority) {
        ok_or_raise(self.locked([&](BatchJobManager& jm) { return jm.set_priority(id, priority); }));
      })
      .def("cleanup_old_jobs", [](Manager& self, double older_than_days) {
        const auto seconds = std::chrono::seconds(static_cast<std::int64_t>(older_than_days * 86400.0));
        return value_or_raise(self.locked([&](BatchJobManager& jm) { return jm.cleanup_old_jobs(seconds); }));
      })
      .def("read_log", [](Manager& self, const std::string& id, std::int64_t offset, std::int64_t max_bytes) {
        LogChunk chunk = value_or_raise(self.locked([&](BatchJobManager& jm) { return jm.read_log(id, offset, max_bytes); }));
        // Decoded leniently: a read from an offset inside a character, or the end of a line
        // that a running job is still writing, shows U+FFFD rather than raising.
        py::object text = py::reinterpret_steal<py::object>(
            PyUnicode_DecodeUTF8(chunk.text.data(), static_cast<Py_ssize_t>(chunk.text.size()), "replace"));
        return py::make_tuple(text, chunk.next_offset, chunk.job_finished);
      }, py::arg("job_id"), py::arg("offset") = 0, py::arg("max_bytes") = 1 << 20)
      .def("max_running_jobs", [](Manager& self) {
        return value_or_raise(self.locked([](BatchJobManager& jm) { return jm.max_running_jobs(); }));
      })
      .def("set_max_running_jobs", [](Manager& self, int limit) {
        ok_or_raise(self.locked([&](BatchJobManager& jm) { return jm.set_max_running_jobs(limit); }));
      });

  py::class_<Predictor>(module, "Predictor")
      .def(py::init<const std::string&, const std::optional<ModelId>&>(), py::arg("db_path"),
           py::arg("model") = py::none())
      .def("predict", &Predictor::predict, py::arg("race_id"), py::arg("odds") = py::none())
      .def_property_readonly("model_id", &Predictor::model_id);

  module.def("active_model_id", [](const std::string& db_path) -> std::optional<ModelId> {
    const std::optional<ModelRecord> active = value_or_raise(without_gil([&]() -> Result<std::optional<ModelRecord>> {
      PADDOCK_ASSIGN_OR_RETURN(std::unique_ptr<Database> db, open_database(db_path, Database::Access::kReadOnly));
      return db->active_model();
    }));
    return active ? std::optional<ModelId>(active->id) : std::nullopt;
  }, py::arg("db_path"));
  module.def("prediction_columns", &prediction_columns, py::arg("db_path"), py::arg("job_id") = py::none(),
        py::arg("date") = py::none(), py::arg("race_ids") = py::none(), py::arg("model") = py::none());
  module.def("race_columns", &race_columns, py::arg("db_path"), py::arg("date") = py::none(),
        py::arg("from_date") = py::none(), py::arg("to_date") = py::none());
  module.def("evaluate_columns", &evaluate_columns, py::arg("db_path"), py::arg("from_date") = py::none(),
        py::arg("to_date") = py::none(), py::arg("model") = py::none());
}
