#include "predict_flags.h"

#include <limits>

#include "cli_support.h"
#include "config_file.h"

namespace paddock::cli {
namespace {

constexpr const char* kTuningAdvice = R"(
Performance settings (from the batch prediction guide):
  --workers     -1 (default) uses every core and is the recommended setting; 1 runs the
                chunks one after another and uses the least memory.
  --chunk-size  small (10-30): lower memory, more overhead; 50 (default): balanced;
                large (100-200): faster, more memory. Under 8 GB of RAM use 25-30,
                8-16 GB use 50, over 16 GB use 100.
  --max-memory  resident memory (MB) above which new chunks are held back and freed
                memory is returned to the system: 2048 on small machines, 4096 (default),
                8192 on large ones.
Start small (--limit 10) before a full batch, and watch the first job's memory.

Exit codes: 0 completed (failed races are counted, not fatal), 1 the job failed,
2 usage error (bad flag, unknown job or file), 3 cancelled (SIGINT, SIGTERM or cancel flag).
Logs: logs/<job_id>.log beside the database (see --log-dir).)";

}  // namespace

Result<PredictOptions> build_predict_options(const PredictArgs& args) {
  PredictOptions options = args.options;
  PADDOCK_ASSIGN_OR_RETURN(options.date, optional_day(args.date, "--date"));
  PADDOCK_ASSIGN_OR_RETURN(options.from, optional_day(args.from, "--from"));
  PADDOCK_ASSIGN_OR_RETURN(options.to, optional_day(args.to, "--to"));
  // paddock.toml's log directory, for a new job (a resumed one keeps its log).
  const ConfigFile& config = current_config();
  if (options.log_dir.empty() && options.resume_job_id.empty() && config.log_dir) options.log_dir = *config.log_dir;
  PADDOCK_TRY(options.validate());
  return options;
}

void bind_predict_flags(CLI::App& app, PredictArgs& args) {
  PredictOptions& o = args.options;
  add_db_option(app, o.db_path, "SQLite database file");
  app.add_option("--date", args.date, "Predict the races of this day, YYYY-MM-DD");
  app.add_option("--from", args.from, "First day of a range, YYYY-MM-DD");
  app.add_option("--to", args.to, "Last day of a range, YYYY-MM-DD");
  // Ranges are checked once, by PredictOptions::validate(); here only that numbers are numbers.
  constexpr std::int64_t kIntMax = std::numeric_limits<int>::max();
  constexpr std::int64_t kIntMin = std::numeric_limits<int>::min();
  app.add_option("--race-ids", o.race_ids, "Predict exactly these race ids (unknown ids fail as 'race not found')")
      ->transform(decimal_integer());
  app.add_option("--limit", o.limit, "At most this many races")->transform(decimal_integer());
  app.add_option("-w,--workers", o.workers, "Worker threads; -1 = all CPU cores (at most 256)")->capture_default_str()
      ->transform(decimal_integer(kIntMin, kIntMax));
  app.add_option("-c,--chunk-size", o.chunk_size, "Races per chunk (one transaction each), 1 to 100000")
      ->capture_default_str()->transform(decimal_integer(kIntMin, kIntMax));
  app.add_flag("--force-reprediction", o.force_reprediction, "Also predict races this model already predicted");
  app.add_flag("--all", o.all, "Same as --force-reprediction: every selected race, predicted or not");
  app.add_option("-m,--max-memory", o.max_memory_mb, "Resident memory limit in MB")->capture_default_str()
      ->transform(decimal_integer(kIntMin, kIntMax));
  app.add_option("--job-id", o.job_id, "Id of the job (default: batch_<date>_<time>_<hex>)");
  app.add_option("--model", o.model_id, "Model id (default: the active model)")->transform(decimal_integer());
  app.add_option("--resume", o.resume_job_id,
                 "Continue a cancelled, failed or crashed job with the races it has not done");
  app.add_option("--log-dir", o.log_dir, "Directory of job logs (default: logs/ beside the database)");
  app.add_option("--retries", o.retries, "Times a failed race is tried again at the end of the job, 0 to 10")
      ->capture_default_str()->transform(decimal_integer(kIntMin, kIntMax));
  app.add_option("--notify", o.notify, "Word of the job's end (paddock notify): all, failures or none "
                                       "(default: the database's settings)")
      ->check(CLI::IsMember({"all", "failures", "none"}));
  app.add_flag("-q,--quiet", o.quiet, "No progress bar and no log lines on the terminal");
  // Which options exclude which (--race-ids and days, --resume and any choice of races) is
  // checked by PredictOptions::validate(), for every caller.
  app.footer(kTuningAdvice);
}

}  // namespace paddock::cli
