// paddock predict (and batch_predict, the batch prediction guide's name): run one batch
// prediction job.
#include <fmt/format.h>

#include <atomic>
#include <limits>
#include <csignal>
#include <memory>

#include "cli_support.h"
#include "config_file.h"
#include "engine/batch_engine.h"
#include "jobs/batch_job_manager.h"
#include "predict_flags.h"

namespace paddock::cli {
namespace {

// Set by SIGINT/SIGTERM; the engine finishes the chunks in hand and ends the job "cancelled".
// A second signal ends the process at once (committed chunks are safe; --resume continues).
std::atomic<bool> g_stop_requested{false};

extern "C" void on_stop_signal(int signal_number) {
  if (g_stop_requested.exchange(true)) {
    std::signal(signal_number, SIG_DFL);
    std::raise(signal_number);
  }
}

int run_predict(const PredictArgs& args) {
  Result<PredictOptions> options = build_predict_options(args);
  if (!options.ok()) return report(options.error());
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  BatchEngine engine(*options, &g_stop_requested);
  Result<JobOutcome> outcome = engine.run();
  // A job that ends frees its place in the queue: start the next queued job, if any.
  if (Result<BatchJobManager> manager = BatchJobManager::open({options->db_path, "", current_config().max_running}); manager.ok()) {
    (void)manager->dispatch();
  }
  if (!outcome.ok()) return report(outcome.error());
  if (outcome->status == JobStatus::kFailed) {
    std::fprintf(stderr, "paddock: job %s failed: %s\n", outcome->job_id.c_str(), outcome->error.c_str());
  }
  if (options->quiet && outcome->status != JobStatus::kCompleted) {  // else the summary said it
    std::fprintf(stderr, "paddock: continue it with: paddock predict --db %s --resume %s\n", options->db_path.c_str(),
                 outcome->job_id.c_str());
  }
  // Quiet mode prints no log lines; an empty job still says why it found nothing.
  if (options->quiet && outcome->total_races == 0 && outcome->status == JobStatus::kCompleted) std::fprintf(stderr, "paddock: %s\n", outcome->message.c_str());
  return outcome->exit_code();
}

}  // namespace

void add_predict_options(CLI::App& app, Action& action) {
  auto args = std::make_shared<PredictArgs>();
  bind_predict_flags(app, *args);
  app.callback([args, &action] { action = [args] { return run_predict(*args); }; });
}

void add_predict_command(CLI::App& app, Action& action) {
  CLI::App* cmd = app.add_subcommand("predict", "Run a batch prediction job (the guide's batch_predict)");
  add_predict_options(*cmd, action);
}

}  // namespace paddock::cli
